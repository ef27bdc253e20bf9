using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace Neurolink.Host;

/// <summary>
/// Compiles ahead every method of the assemblies a frame passes through (protocol, transports,
/// driver and acquisition, the loop), so that no frame waits for the JIT: without it the loop's
/// first frames, and the first to take a path (the first trigger sent, the first loss), each
/// paid milliseconds of compilation while later frames queued behind them.
/// </summary>
internal static class JitWarmUp
{
    /// <summary>Compiles the methods of the assemblies holding <paramref name="types"/>; returns how many and how long it took.</summary>
    public static (int Methods, TimeSpan Took) Assemblies(params Type[] types)
    {
        var clock = Stopwatch.StartNew();
        int methods = 0;
        foreach (Assembly assembly in types.Select(t => t.Assembly).Distinct())
        {
            Type[] all;
            try
            {
                all = assembly.GetTypes();
            }
            catch (ReflectionTypeLoadException e)
            {
                all = [.. e.Types.OfType<Type>()];
            }

            foreach (Type type in all)
            {
                if (type.ContainsGenericParameters)
                {
                    continue; // open generic types have no code until instantiated
                }

                foreach (MethodBase method in type.GetMethods(BindingFlags.DeclaredOnly | BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)
                    .Cast<MethodBase>()
                    .Concat(type.GetConstructors(BindingFlags.DeclaredOnly | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)))
                {
                    if (method.IsAbstract || method.ContainsGenericParameters || (method.MethodImplementationFlags & (MethodImplAttributes.InternalCall | MethodImplAttributes.Runtime)) != 0
                        || (method.Attributes & MethodAttributes.PinvokeImpl) != 0)
                    {
                        continue;
                    }

                    try
                    {
                        RuntimeHelpers.PrepareMethod(method.MethodHandle);
                        methods++;
                    }
                    catch (Exception e) when (e is ArgumentException or NotSupportedException or InvalidOperationException or BadImageFormatException or TypeLoadException or MissingMethodException)
                    {
                        // A method the runtime will not compile ahead (an UnmanagedCallersOnly entry, say): it compiles on first use as before.
                    }
                }
            }
        }

        return (methods, clock.Elapsed);
    }
}

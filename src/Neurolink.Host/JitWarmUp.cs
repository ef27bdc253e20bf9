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
    private static readonly HashSet<Assembly> s_done = [];

    /// <summary>Compiles the methods of the assemblies holding <paramref name="types"/>, once a process (a later call skips the assemblies done); returns how many and how long it took.</summary>
    public static (int Methods, TimeSpan Took) Assemblies(params Type[] types)
    {
        var clock = Stopwatch.StartNew();
        int methods = 0;
        lock (s_done) // a second run starting meanwhile waits until the code it shares is compiled
        {
            foreach (Assembly assembly in types.Select(t => t.Assembly).Distinct())
            {
                if (s_done.Add(assembly))
                {
                    methods += Compile(assembly);
                }
            }
        }

        return (methods, clock.Elapsed);
    }

    private static int Compile(Assembly assembly)
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

        const BindingFlags Declared = BindingFlags.DeclaredOnly | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
        int methods = 0;
        foreach (MethodBase method in all
            .Where(t => !t.ContainsGenericParameters) // open generic types have no code until instantiated
            .SelectMany(t => t.GetMethods(Declared | BindingFlags.Static).Cast<MethodBase>().Concat(t.GetConstructors(Declared))))
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

        return methods;
    }
}

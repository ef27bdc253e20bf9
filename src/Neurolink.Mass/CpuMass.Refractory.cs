using System.Runtime.CompilerServices;

namespace Neurolink.Mass;

/// <summary>
/// Refractory LIF neurons: held at <see cref="Held"/> while their period lasts, queued per
/// update run (<see cref="_runs"/>) and thread range for release at the reset, and given back as plain v and steps
/// left to whoever reads the state (v, checkpoints).
/// </summary>
public sealed partial class CpuMass
{
    /// <summary>The plain membrane potentials and, when asked, the refractory steps left of every neuron.</summary>
    private void Decode(Span<float> v, Span<float> refractory)
    {
        _v.Span.CopyTo(v);
        if (!refractory.IsEmpty)
        {
            refractory.Clear();
        }

        long last = _step - 1; // the step the state is at the end of
        foreach (Chunk c in _chunks)
        {
            foreach (Holds? holds in c.Holds)
            {
                if (holds is null)
                {
                    continue;
                }

                foreach ((int i, long due) in holds.Entries())
                {
                    v[i] = holds.Reset;
                    if (!refractory.IsEmpty)
                    {
                        refractory[i] = due - last;
                    }
                }
            }
        }
    }

    /// <summary>Sets the state from plain membrane potentials and refractory steps left (a checkpoint); the step count is already set.</summary>
    private void Encode(ReadOnlySpan<float> v, ReadOnlySpan<float> refractory)
    {
        v.CopyTo(_v.Span);
        long last = _step - 1;
        foreach (Chunk c in _chunks)
        {
            for (int p = 0; p < _runs.Length; p++)
            {
                if (c.Holds[p] is not { } holds)
                {
                    continue;
                }

                holds.Clear();
                PopulationRange range = _runs[p];
                int lo = Math.Max(range.Start, c.Lo), hi = Math.Min(range.Start + range.Count, c.Hi);
                var held = new List<(long Due, int Neuron)>();
                for (int i = lo; i < hi; i++)
                {
                    if (refractory[i] > 0)
                    {
                        held.Add((last + (long)MathF.Round(refractory[i]), i));
                        _v[i] = Held;
                    }
                }

                held.Sort();
                foreach ((long due, int i) in held)
                {
                    holds.Push(i, due);
                }
            }
        }
    }

    /// <summary>Ends chunk <paramref name="k"/>'s update of step <paramref name="step"/>: the neurons whose refractory period ends with it are set free at their reset.</summary>
    private void Release(int k, long step)
    {
        foreach (Holds? holds in _chunks[k].Holds)
        {
            holds?.Release(step, _v.Span);
        }
    }

    /// <summary>
    /// The neurons that just fired (<paramref name="fired"/>) are either held (v at
    /// <see cref="Held"/>, released at step <paramref name="due"/>) or, with no refractory period,
    /// at once at the reset <paramref name="vr"/>. Done after the update's loop, not in it: a call
    /// in the loop made the JIT reload the loop's vector constants from the stack every iteration.
    /// </summary>
    private void Hold(ReadOnlySpan<int> fired, Holds? holds, long due, float vr)
    {
        foreach (int j in fired)
        {
            if (holds is null)
            {
                _v[j] = vr;
            }
            else
            {
                _v[j] = Held;
                holds.Push(j, due);
            }
        }
    }

    /// <summary>
    /// One update run's refractory neurons in one thread's range, in the order they fired, which
    /// is the order they are released (the period is the run's): a ring with room for
    /// every neuron of the range, as each is in it at most once.
    /// </summary>
    private sealed class Holds(int capacity, float reset)
    {
        private readonly int[] _neuron = new int[capacity];
        private readonly long[] _due = new long[capacity];
        private int _head, _count;

        public void Push(int neuron, long due)
        {
            int at = _head + _count;
            at -= at >= _neuron.Length ? _neuron.Length : 0;
            _neuron[at] = neuron;
            _due[at] = due;
            _count++;
        }

        /// <summary>The run's reset, where a released neuron's v starts again.</summary>
        public float Reset { get; } = reset;

        /// <summary>Sets free, at the reset, every neuron whose period ends with step <paramref name="step"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Release(long step, Span<float> v)
        {
            while (_count > 0 && _due[_head] <= step)
            {
                v[_neuron[_head]] = Reset;
                _head = _head + 1 == _neuron.Length ? 0 : _head + 1;
                _count--;
            }
        }

        public IEnumerable<(int Neuron, long Due)> Entries()
        {
            for (int k = 0; k < _count; k++)
            {
                int at = (_head + k) % _neuron.Length;
                yield return (_neuron[at], _due[at]);
            }
        }

        public void Clear() => (_head, _count) = (0, 0);
    }
}

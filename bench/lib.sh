# Shared by the bench scripts that run the neurolink CLI; source it from the repository root.
# Gives: bench/results/, build_cli (a Release build of the CLI), the neurolink command as an
# array, machine (the date, processor and cores for a run's header line), and steal / stolen_ms_since
# (CPU time the hypervisor gave to other guests, from /proc/stat, both cores together).
mkdir -p bench/results
neurolink=(dotnet src/Neurolink.Cli/bin/Release/net10.0/neurolink.dll)
build_cli() { dotnet build -c Release src/Neurolink.Cli -v quiet -nologo >/dev/null; }
machine() { # the CPU's family and model too: "AMD EPYC" names hosts of several generations
  echo "$(date -u +%FT%TZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) (family $(grep -m1 'cpu family' /proc/cpuinfo | cut -d: -f2 | xargs), model $(grep -m1 '^model[[:space:]]*:' /proc/cpuinfo | cut -d: -f2 | xargs)), $(nproc) cores"
}
steal() { awk '/^cpu /{print $9}' /proc/stat; }   # jiffies the hypervisor gave to others
stolen_ms_since() { echo $(( ($(steal) - $1) * 1000 / $(getconf CLK_TCK) )); }

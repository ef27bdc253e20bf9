using System.Text.Json;
using System.Text.Json.Nodes;

namespace Neurolink.Recording;

/// <summary>
/// Where each channel's contact sits, written beside a recording as probeinterface JSON
/// (<c>probe.json</c>), the channel map Kilosort and SpikeInterface take with it.
/// </summary>
/// <param name="Name">The probe's name ("grid", "shank", a model number).</param>
/// <param name="Positions">Contact positions in micrometres, one per recorded channel, in channel order.</param>
public sealed record class ProbeMap(string Name, IReadOnlyList<(double X, double Y)> Positions)
{
    private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true };

    /// <summary>The probeinterface document (specification "probeinterface", one 2-D probe, device channel i = contact i).</summary>
    public string ToJson()
    {
        var positions = new JsonArray();
        var axes = new JsonArray();
        var shapes = new JsonArray();
        var shapeParams = new JsonArray();
        var channels = new JsonArray();
        var ids = new JsonArray();
        var shanks = new JsonArray();
        for (int i = 0; i < Positions.Count; i++)
        {
            positions.Add(new JsonArray(Positions[i].X, Positions[i].Y));
            axes.Add(new JsonArray(new JsonArray(1.0, 0.0), new JsonArray(0.0, 1.0)));
            shapes.Add("circle");
            shapeParams.Add(new JsonObject { ["radius"] = 6.0 });
            channels.Add(i);
            ids.Add((i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
            shanks.Add("");
        }

        var probe = new JsonObject
        {
            ["ndim"] = 2,
            ["si_units"] = "um",
            ["annotations"] = new JsonObject { ["name"] = Name, ["manufacturer"] = "Neurolink" },
            ["contact_annotations"] = new JsonObject(),
            ["contact_positions"] = positions,
            ["contact_plane_axes"] = axes,
            ["contact_shapes"] = shapes,
            ["contact_shape_params"] = shapeParams,
            ["device_channel_indices"] = channels,
            ["contact_ids"] = ids,
            ["shank_ids"] = shanks,
        };
        return new JsonObject { ["specification"] = "probeinterface", ["version"] = "0.2.21", ["probes"] = new JsonArray(probe) }.ToJsonString(s_indented);
    }

    /// <summary>Checks a probeinterface file a user gives (it is copied beside the recording as is).</summary>
    /// <exception cref="InvalidDataException">Not JSON, or not probeinterface, or its contacts do not match the channels; the message says which.</exception>
    public static void Check(string path, int channels)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not JSON: {e.Message}", e);
        }

        if (root?["specification"]?.GetValue<string>() != "probeinterface" || root["probes"] is not JsonArray { Count: > 0 } probes)
        {
            throw new InvalidDataException($"{path} is not a probeinterface file (it needs \"specification\": \"probeinterface\" and a \"probes\" list); export one with probeinterface's write_probeinterface");
        }

        int contacts = probes.Sum(p => p?["device_channel_indices"] is JsonArray a ? a.Count : 0);
        if (contacts != channels)
        {
            throw new InvalidDataException($"{path} maps {contacts} contacts to device channels, and the device records {channels}; give the probe file of this device");
        }
    }
}

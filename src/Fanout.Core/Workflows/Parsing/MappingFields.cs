using YamlDotNet.RepresentationModel;

namespace Fanout.Workflows.Parsing;

/// <summary>The known fields of one YAML mapping, by name.</summary>
internal sealed class MappingFields(YamlMappingNode node, Dictionary<string, (YamlScalarNode Key, YamlNode Value)> fields)
{
    public YamlMappingNode Node { get; } = node;

    public YamlNode? this[string name] => fields.TryGetValue(name, out var f) ? f.Value : null;

    public bool Has(string name) => fields.ContainsKey(name);

    public YamlScalarNode? Key(string name) => fields.TryGetValue(name, out var f) ? f.Key : null;
}

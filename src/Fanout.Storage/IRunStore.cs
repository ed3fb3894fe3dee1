namespace Fanout.Storage;

/// <summary>The run store (SPEC S-QL): placeholder until the store issue lands.</summary>
internal interface IRunStore
{
}

using Xunit.Abstractions;
using Xunit.Sdk;

namespace Flotilla.Swarm.Tests;

/// <summary>Runs a class's tests in the order they are written (they share one cluster).</summary>
public sealed class ByLineOrderer : ITestCaseOrderer
{
    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases) where TTestCase : ITestCase =>
        testCases.OrderBy(t => t.TestMethod.Method.ToRuntimeMethod().MetadataToken);
}

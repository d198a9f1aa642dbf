namespace FrontDoor.Plugins.BackendRouting;

/// <summary>
/// One rule of &lt;routing&gt; in document order: a static &lt;route&gt;, or the <see cref="Directory"/>-th
/// &lt;directory&gt; (whose lookup is asynchronous and runs with the services the router gets at start-up).
/// </summary>
internal readonly record struct RoutingStep(RouteRule? Route, int Directory);

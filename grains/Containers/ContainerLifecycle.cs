namespace Flotilla.Grains.Containers;

/// <summary>
/// The container state machine: Created → Running → Exited(code) → Removed. Exited → Running again on a
/// restart; Created → Removed and Exited → Removed on rm. <see cref="Removing"/> guards a removal in progress.
/// </summary>
public enum ContainerLifecycle
{
    Created,
    Running,
    Exited,
    Removing,
    Removed,
}

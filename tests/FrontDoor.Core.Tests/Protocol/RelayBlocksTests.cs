using System.Runtime.Versioning;
using FrontDoor.Core.Protocol;
using FrontDoor.Core.Protocol.Events;
using Xunit;

namespace FrontDoor.Core.Tests.Protocol;

/// <summary>The relay's blocks: kept by a socket loop for its own thread, from the shared pool elsewhere (<see cref="RelayBlocks"/>).</summary>
[SupportedOSPlatform("linux")]
public sealed class RelayBlocksTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly SocketEventLoop _loop = SocketEventLoop.TryCreate(98) ?? throw new InvalidOperationException("no epoll");

    public void Dispose() => _loop.Stop();

    [Fact]
    public async Task On_a_loops_thread_the_blocks_given_back_are_the_next_ones_rented()
    {
        var (first, second, again1, again2, third) = await OnLoop(() =>
        {
            var a = RelayBlocks.Rent(1);
            var b = RelayBlocks.Rent(ImapConnection.BufferSize);
            RelayBlocks.Return(a);
            RelayBlocks.Return(b);
            var c = RelayBlocks.Rent(100);
            var d = RelayBlocks.Rent(100);
            var e = RelayBlocks.Rent(100);
            RelayBlocks.Return(c);
            RelayBlocks.Return(d);
            RelayBlocks.Return(e);
            return (a, b, c, d, e);
        });

        Assert.All([first, second, again1, again2, third], block => Assert.Equal(ImapConnection.BufferSize, block.Length));
        Assert.Equal(new HashSet<byte[]>([first, second], ReferenceEqualityComparer.Instance), new HashSet<byte[]>([again1, again2], ReferenceEqualityComparer.Instance));

        // The loop keeps two: a third rented at once came from the pool, not from the two kept.
        Assert.False(ReferenceEquals(third, first) || ReferenceEquals(third, second));
    }

    [Fact]
    public async Task A_block_the_loop_keeps_is_not_in_the_shared_pool_meanwhile()
    {
        var (kept, fromPool, again) = await OnLoop(() =>
        {
            var block = RelayBlocks.Rent(1);
            RelayBlocks.Return(block);

            // Anyone else on this thread renting from the shared pool gets another array.
            var other = System.Buffers.ArrayPool<byte>.Shared.Rent(ImapConnection.BufferSize);
            System.Buffers.ArrayPool<byte>.Shared.Return(other);
            var next = RelayBlocks.Rent(1);
            RelayBlocks.Return(next);
            return (block, other, next);
        });

        Assert.NotSame(kept, fromPool);
        Assert.Same(kept, again);
    }

    [Fact]
    public async Task A_larger_block_is_never_kept_by_the_loop()
    {
        var (large, next) = await OnLoop(() =>
        {
            var big = RelayBlocks.Rent(ImapConnection.BufferSize + 1);
            RelayBlocks.Return(big);
            var after = RelayBlocks.Rent(1);
            RelayBlocks.Return(after);
            return (big, after);
        });

        Assert.True(large.Length > ImapConnection.BufferSize);
        Assert.NotSame(large, next);
        Assert.Equal(ImapConnection.BufferSize, next.Length);
    }

    [Fact]
    public async Task A_block_given_back_off_the_loops_is_not_kept_by_a_loop()
    {
        var kept = await OnLoop(() =>
        {
            var a = RelayBlocks.Rent(1);
            var b = RelayBlocks.Rent(1);
            RelayBlocks.Return(a);
            RelayBlocks.Return(b);
            return (a, b);
        });

        // Given back on this (test) thread, which is no loop's: the shared pool takes it, the loop's two stay its own.
        var stranger = RelayBlocks.Rent(1);
        RelayBlocks.Return(stranger);
        var (again1, again2) = await OnLoop(() =>
        {
            var a = RelayBlocks.Rent(1);
            var b = RelayBlocks.Rent(1);
            RelayBlocks.Return(a);
            RelayBlocks.Return(b);
            return (a, b);
        });

        Assert.Null(SocketEventLoop.Current);
        Assert.Equal(new HashSet<byte[]>([kept.a, kept.b], ReferenceEqualityComparer.Instance), new HashSet<byte[]>([again1, again2], ReferenceEqualityComparer.Instance));
        Assert.False(ReferenceEquals(stranger, again1) || ReferenceEquals(stranger, again2));
    }

    private async Task<T> OnLoop<T>(Func<T> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var queue = new LoopQueue<int>(_loop, _ =>
        {
            Assert.Same(_loop, SocketEventLoop.Current);
            done.SetResult(work());
        }, (_, ex) => done.TrySetException(ex));
        queue.Post(0);
        return await done.Task.WaitAsync(Patience);
    }
}

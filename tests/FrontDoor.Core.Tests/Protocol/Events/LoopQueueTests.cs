using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using FrontDoor.Core.Protocol;
using FrontDoor.Core.Protocol.Events;
using Xunit;

namespace FrontDoor.Core.Tests.Protocol.Events;

/// <summary>Work posted to a socket loop's thread (<see cref="LoopQueue{T}"/>, <see cref="LoopWork{T}"/>).</summary>
[SupportedOSPlatform("linux")]
public sealed class LoopQueueTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly SocketEventLoop _loop = SocketEventLoop.TryCreate(99) ?? throw new InvalidOperationException("no epoll");

    public void Dispose() => _loop.Stop();

    [Fact]
    public async Task Items_run_on_the_loops_thread_in_the_order_they_were_posted()
    {
        var ran = new ConcurrentQueue<(int Item, SocketEventLoop? Loop)>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        const int Count = 2000;
        var queue = new LoopQueue<int>(_loop, item =>
        {
            ran.Enqueue((item, SocketEventLoop.Current));
            if (item == Count - 1)
            {
                all.SetResult();
            }
        }, (_, ex) => all.TrySetException(ex));

        // More than one turn's worth, posted while earlier ones run.
        for (var i = 0; i < Count; i++)
        {
            queue.Post(i);
        }

        await all.Task.WaitAsync(Patience);
        Assert.Equal(Enumerable.Range(0, Count), ran.Select(r => r.Item));
        Assert.All(ran, r => Assert.Same(_loop, r.Loop));
    }

    [Fact]
    public async Task An_item_that_throws_is_told_to_its_queue_and_the_loop_runs_the_next()
    {
        var failures = new ConcurrentQueue<(string Item, Exception Error)>();
        var later = new TaskCompletionSource<SocketEventLoop?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var queue = new LoopQueue<string>(_loop, item =>
        {
            if (item == "bad")
            {
                throw new InvalidOperationException("broken item");
            }

            later.SetResult(SocketEventLoop.Current);
        }, (item, ex) => failures.Enqueue((item, ex)));

        queue.Post("bad");
        queue.Post("good");

        Assert.Same(_loop, await later.Task.WaitAsync(Patience));
        var (failed, error) = Assert.Single(failures);
        Assert.Equal("bad", failed);
        Assert.Equal("broken item", error.Message);
    }

    [Fact]
    public async Task Items_posted_around_a_stop_all_run_once_the_later_ones_on_the_thread_pool()
    {
        var ran = new ConcurrentDictionary<int, int>();
        var afterStop = new ConcurrentQueue<bool>();
        using var gate = new SemaphoreSlim(0);
        var queue = new LoopQueue<int>(_loop, item =>
        {
            if (item == 0)
            {
                // Holds the loop (a test's item only: real items never block) until the stop has begun.
                gate.Wait(Patience);
            }

            ran.AddOrUpdate(item, 1, (_, n) => n + 1);
            if (item >= 100)
            {
                afterStop.Enqueue(SocketEventLoop.Current is null && Thread.CurrentThread.IsThreadPoolThread);
            }
        }, (_, _) => { });

        for (var i = 0; i < 50; i++)
        {
            queue.Post(i);
        }

        var stopping = Task.Run(_loop.Stop);
        while (!_loop.Stopping)
        {
            await Task.Delay(10);
        }

        // Posted while the loop is stopping and after: the thread pool takes them.
        for (var i = 100; i < 150; i++)
        {
            queue.Post(i);
        }

        gate.Release();
        await stopping.WaitAsync(Patience);
        for (var i = 150; i < 200; i++)
        {
            queue.Post(i);
        }

        var deadline = DateTime.UtcNow + Patience;
        while (ran.Count < 150 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        // Room for a wrong second run to show.
        await Task.Delay(100);
        Assert.Equal([.. Enumerable.Range(0, 50), .. Enumerable.Range(100, 100)], ran.Keys.Order());
        Assert.All(ran.Values, n => Assert.Equal(1, n));
        Assert.NotEmpty(afterStop);
        Assert.Contains(true, afterStop);
    }

    [Fact]
    public async Task Work_handed_to_the_loops_runs_on_one_and_a_socket_it_makes_waits_there()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(8);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(listener.LocalEndPoint!);
        using var accepted = await listener.AcceptAsync();

        // Several, so that a socket left to take the loops in turn would land on another loop at least once.
        for (var i = 0; i < 4; i++)
        {
            var made = new TaskCompletionSource<(SocketEventLoop? Current, SocketEventLoop Waits)>(TaskCreationOptions.RunContinuationsAsynchronously);
            var work = new LoopWork<Socket>(s =>
            {
                var readiness = new SocketReadiness(s);
                made.SetResult((SocketEventLoop.Current, readiness.Loop));
                readiness.Close();
            }, (_, ex) => made.TrySetException(ex));

            work.Post(socket);

            var (current, waits) = await made.Task.WaitAsync(Patience);
            Assert.NotNull(current);
            Assert.Same(current, waits);
        }
    }

    [Fact]
    public async Task Each_kind_of_work_takes_the_loops_in_its_own_turn_whatever_else_is_posted_between()
    {
        var second = SocketEventLoop.TryCreate(98) ?? throw new InvalidOperationException("no epoll");
        try
        {
            SocketEventLoop[] loops = [_loop, second];
            var wakes = new ConcurrentQueue<SocketEventLoop?>();
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var accepts = new LoopWork<int>(loops, _ => { }, (_, ex) => done.TrySetException(ex));
            var resumes = new LoopWork<int>(loops, i =>
            {
                wakes.Enqueue(SocketEventLoop.Current);
                if (i == 7)
                {
                    done.TrySetResult();
                }
            }, (_, ex) => done.TrySetException(ex));

            // As logins that arrive one at a time post: an accept's hand-off, then that connection's wake.
            for (var i = 0; i < 8; i++)
            {
                accepts.Post(i);
                resumes.Post(i);
            }

            await done.Task.WaitAsync(Patience);
            Assert.Equal(4, wakes.Count(l => ReferenceEquals(l, _loop)));
            Assert.Equal(4, wakes.Count(l => ReferenceEquals(l, second)));
        }
        finally
        {
            second.Stop();
        }
    }
}

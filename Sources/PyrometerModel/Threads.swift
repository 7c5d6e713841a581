#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A mutex with a condition, on the heap (a pthread mutex must not move).
public final class ConditionLock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    public init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Waits, with the lock held, until `ready` is true; `ready` is checked under the lock after each broadcast.
    public func wait(until ready: () -> Bool) {
        pthread_mutex_lock(mutex)
        while !ready() { pthread_cond_wait(condition, mutex) }
        pthread_mutex_unlock(mutex)
    }

    /// Runs `change` under the lock and wakes every waiter.
    public func broadcast(after change: () -> Void) {
        pthread_mutex_lock(mutex)
        change()
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }
}

/// Threads of our own rather than Dispatch's pool, whose width is the core count: a pool thread busy with a
/// long job (a background inflate) left `concurrentPerform` running its other half on the caller, one after the
/// other.
public enum Threads {
    /// Runs `body` on a new detached thread. It should keep alive what it uses.
    public static func detach(_ body: @escaping @Sendable () -> Void) {
        guard let thread = start(body) else {
            // No thread to be had: run here, later work waits for it anyway.
            body()
            return
        }
        pthread_detach(thread)
    }

    /// Runs `first` on a new thread and `second` on this one, and returns when both are done: the thread is
    /// joined, so nothing of it outlives the call (a detached thread still releasing its closure after signalling
    /// was a leak to LeakSanitizer, found by fuzzing the pprof importer).
    public static func both(_ first: @escaping @Sendable () -> Void, _ second: () -> Void) {
        guard let thread = start(first) else {
            // No thread to be had: one after the other.
            first()
            second()
            return
        }
        second()
        pthread_join(thread, nil)
    }

    /// Starts `body` on a new thread; nil (and `body` not run) when none could be created.
    private static func start(_ body: @escaping @Sendable () -> Void) -> pthread_t? {
        var thread = pthread_t()
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        guard pthread_create(&thread, nil, { context in
            Unmanaged<Body>.fromOpaque(context!).takeRetainedValue().run()
            return nil
        }, context) == 0 else {
            Unmanaged<Body>.fromOpaque(context).release()
            return nil
        }
        return thread
    }

    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }
}

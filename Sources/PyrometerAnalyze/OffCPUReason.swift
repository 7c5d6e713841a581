import PyrometerModel

/// Why off-CPU time was spent, for a person: `sched_switch`'s `prev_state` says only sleeping (`S`), disk (`D`) or
/// preempted (`R`); a mutex, a `sleep()` and a socket read are all `S`. The kernel's frames of the blocked stack say
/// which (`futex_wait`, `hrtimer_nanosleep`, `ep_poll`), and where a stack has none (a recording without kernel
/// call chains), the blocking call in the C library does (`__lll_lock_wait`, `nanosleep`, `read`).
public enum OffCPUReason: Hashable, Sendable, Comparable {
    case preempted
    case lock
    case sleep
    case io
    case pageFault
    /// Blocked, but on nothing the stack names: the thread state (`sleeping`, `disk`, `T`, ...).
    case other(ThreadState)

    /// The breakdown's name for it.
    public var label: String {
        switch self {
        case .preempted: "preempted"
        case .lock: "lock/futex"
        case .sleep: "sleep"
        case .io: "I/O"
        case .pageFault: "page fault"
        case .other(let state): state.label
        }
    }

    public static func < (a: OffCPUReason, b: OffCPUReason) -> Bool { a.label < b.label }

    /// The reason for time off the CPU in `state` with this stack: its frames' function names, leaf first, each
    /// with whether it is the kernel's.
    public static func of(state: ThreadState, stack: some Sequence<(name: String, isKernel: Bool)>) -> OffCPUReason {
        if state == .preempted { return .preempted }
        var fromKernel: OffCPUReason?, fromLibrary: OffCPUReason?
        for frame in stack {
            if frame.isKernel {
                let reason = kernel(frame.name)
                // A fault anywhere below: its wait may be on a page's I/O, but the developer's cause is the fault.
                if reason == .pageFault { return .pageFault }
                if fromKernel == nil { fromKernel = reason }
            } else if fromLibrary == nil {
                fromLibrary = library(frame.name)
            }
        }
        return fromKernel ?? fromLibrary ?? (state == .disk ? .io : .other(state))
    }

    /// Kernel functions on the way to `schedule()`, by the part of their name that stays across kernel versions.
    private static func kernel(_ name: String) -> OffCPUReason? {
        if name.contains("page_fault") || name == "handle_mm_fault" { return .pageFault }
        if name.contains("futex") || name.hasPrefix("rwsem_down") || name.hasPrefix("__mutex_lock") { return .lock }
        if name.contains("nanosleep") { return .sleep }
        let io = ["io_schedule", "blk_", "ep_poll", "do_epoll_wait", "do_sys_poll", "do_select", "sk_wait_data",
                  "tcp_recvmsg", "unix_stream_read", "pipe_read", "pipe_write", "wait_woken", "inet_csk_accept",
                  "io_uring", "vfs_read", "vfs_write", "vfs_fsync", "ksys_read", "ksys_write", "folio_wait"]
        if io.contains(where: { name.hasPrefix($0) }) { return .io }
        return nil
    }

    /// The C library's blocking calls, without their underscores and symbol versions (`__GI___nanosleep`,
    /// `pthread_mutex_lock@@GLIBC_2.2.5`).
    private static func library(_ name: String) -> OffCPUReason? {
        var base = Substring(name)
        if let at = base.firstIndex(of: "@") { base = base[..<at] }
        if base.hasPrefix("__GI_") { base = base.dropFirst(5) }
        base = base.drop { $0 == "_" }
        if base.hasPrefix("lll_lock") || base.hasPrefix("pthread_mutex") || base.hasPrefix("pthread_rwlock")
            || base.hasPrefix("pthread_cond") || base.hasPrefix("futex") || base.hasPrefix("sem_") {
            return .lock
        }
        if ["nanosleep", "clock_nanosleep", "usleep", "sleep"].contains(base) { return .sleep }
        let io: Set<Substring> = ["read", "write", "pread64", "pwrite64", "readv", "writev", "recv", "recvfrom",
                                  "recvmsg", "send", "sendto", "sendmsg", "poll", "ppoll", "select", "pselect",
                                  "epoll_wait", "epoll_pwait", "accept", "accept4", "connect", "fsync", "fdatasync",
                                  "libc_read", "libc_write", "io_uring_enter", "io_getevents"]
        return io.contains(base) ? .io : nil
    }
}

import Foundation
@testable import PyrometerIngest
import PyrometerModel
import Testing

/// The event-naming rule both perf readers share (`PerfEvents`).
@Suite struct PerfEventsTests {
    @Test(arguments: [
        ("cpu-clock", "cpu-clock"), ("cpu-clock:", "cpu-clock"), ("cpu-clock:u", "cpu-clock"),
        ("cpu-clock:u:", "cpu-clock"), ("cycles:ppp", "cycles"), ("cycles:P:", "cycles"), ("instructions:uk", "instructions"),
        ("sched:sched_switch", "sched:sched_switch"), ("sched:sched_switch:", "sched:sched_switch"),
        ("probe_libc:malloc", "probe_libc:malloc"), ("probe_libc:malloc:", "probe_libc:malloc"),
        ("syscalls:sys_enter_read:u", "syscalls:sys_enter_read"), ("", ""),
    ])
    func eventNames(_ printed: String, _ name: String) {
        #expect(PerfEvents.name(printed) == name)
    }

    @Test func clockPeriodsAreNanosecondsAndOthersCount() {
        #expect(PerfEvents.valueType(of: "cpu-clock", weighted: true).unit == "nanoseconds")
        #expect(PerfEvents.valueType(of: "task-clock", weighted: true).unit == "nanoseconds")
        #expect(PerfEvents.valueType(of: "cpu-clock", weighted: false).unit == "count")
        #expect(PerfEvents.valueType(of: "cycles", weighted: true).unit == "count")
    }

    /// perf script text of a tracepoint with a call chain: the event keeps its `subsystem:name`, and its fields
    /// after the name are not read as a frame.
    @Test func tracepointTextKeepsItsNameAndItsFieldsAreNoFrame() throws {
        let text = """
            sleeper  4242/4243 [001] 100.000001:          1 sched:sched_switch: prev_comm=sleeper prev_pid=4243 prev_prio=120 prev_state=S ==> next_comm=swapper/1 next_pid=0 next_prio=120
            \tffffffff81e0b1f1 __schedule+0x2f1 ([kernel.kallsyms])
            \t    7f0000001000 clock_nanosleep+0x20 (/usr/lib/x86_64-linux-gnu/libc.so.6)
            \t    555500001000 main+0x10 (/tmp/sleeper)

            sleeper  4242/4243 [001] 100.000101:     250000 cpu-clock:u: 
            \t    555500001010 main+0x20 (/tmp/sleeper)

            """
        let profile = try PerfScriptImporterTests.load(text).profile
        #expect(profile.sampleTypes.map(\.type).contains("sched:sched_switch"))
        #expect(profile.sampleTypes.map(\.type).contains("cpu-clock"))
        let names = Set(profile.functions.map { profile.strings[Int($0.name)] })
        #expect(!names.contains { $0.contains("prev_comm") }, "\(names)")
        #expect(names.isSuperset(of: ["__schedule", "clock_nanosleep", "main"]))
    }
}

import PyrometerModel

/// Samples: their event's sample types, their thread's labels, and their frames as locations.
extension PerfDataReader {
    mutating func sample(_ body: inout ByteCursor, misc: UInt16) throws(ProfileError) {
        let attrIndex: Int
        if attrs.count > 1, let index = sampleIDIndex {
            var probe = body
            try probe.skip(index * 8, "sample id")
            let id = try probe.u64()
            guard let known = attrByID[id] else { throw body.error("a sample names unknown event id \(id)") }
            attrIndex = known
        } else {
            guard !attrs.isEmpty else { throw body.error("a sample before any event attribute") }
            attrIndex = 0
        }
        let attr = attrs[attrIndex]
        let sampleType = attr.sampleType
        if sampleType.contains(.identifier) { _ = try body.u64() }
        let ip = sampleType.contains(.ip) ? try body.u64() : 0
        var pid: UInt32 = 0, tid: UInt32 = 0
        if sampleType.contains(.tid) { pid = try body.u32(); tid = try body.u32() }
        var time: UInt64?
        if sampleType.contains(.time) {
            let at = try body.u64()
            // perf's placeholder time of the `offcpu-time` samples it writes at the end is no time of the recording.
            if at < WallClock.placeholderTime {
                firstTime = min(firstTime, at)
                lastTime = max(lastTime, at)
                time = at
            }
        }
        if sampleType.contains(.addr) { _ = try body.u64() }
        if sampleType.contains(.id) { _ = try body.u64() }
        if sampleType.contains(.streamID) { _ = try body.u64() }
        if sampleType.contains(.cpu) { _ = try body.u64() }
        var period: UInt64 = 1
        if sampleType.contains(.period) { period = try body.u64() }
        if sampleType.contains(.read) { try body.skip(try attr.readSize(&body), "read values") }

        stack.removeAll(keepingCapacity: true)
        let owner = frameOwner(pid: pid)
        let sampledInKernel = misc & PerfData.miscCPUModeMask == PerfData.miscKernel
        var kernelMode = sampledInKernel
        var userFromBranches = false
        var userFrames = false
        var kernelFrames = 0  // at the leaf: the scheduler's bookkeeping, in a runtime update
        if sampleType.contains(.callchain) {
            let count = try body.u64()
            try body.need(count, entriesOf: 8, "call chain")
            for _ in 0 ..< count {
                let address = try body.u64()
                if address >= PerfData.contextMax {
                    kernelMode = address == PerfData.contextKernel
                    if address == PerfData.contextUser && hasCallStackBranches(attr) { userFromBranches = true }
                    if address == PerfData.contextGuest { break }
                    continue
                }
                if userFromBranches { break }
                frame(address, kernel: kernelMode, owner: owner, pid: pid)
                if kernelMode && !userFrames { kernelFrames += 1 }
                userFrames = userFrames || !kernelMode
            }
        } else {
            frame(ip, kernel: kernelMode, owner: owner, pid: pid)
            userFrames = !kernelMode
            kernelFrames = kernelMode ? 1 : 0
        }
        var raw = UnsafeRawBufferPointer(start: nil, count: 0)
        if sampleType.contains(.raw) { raw = try body.slice(Int(try body.u32()), "raw data") }
        if sampleType.contains(.branchStack) {
            let count = try body.u64()
            if attr.branchSampleType & (1 << 17) != 0 { _ = try body.u64() }  // hw_idx
            try body.need(count, entriesOf: 24, "branch stack")
            if hasCallStackBranches(attr) && (!kernelMode || userFromBranches) {
                // LBR call stack (`--call-graph lbr`): the user part is the sample ip and each entry's call site.
                if !userFromBranches { stack.removeAll(keepingCapacity: true) }
                frame(ip, kernel: false, owner: owner, pid: pid)
                for _ in 0 ..< count {
                    let from = try body.u64()
                    try body.skip(16)
                    if from != 0 { frame(from, kernel: false, owner: owner, pid: pid) }
                }
                userFrames = true
            } else {
                try body.skip(Int(count) * 24)
            }
        }
        let types = sampleTypes(of: attrIndex)
        // An allocation probe's sample weighs the bytes of its call, and its leaf, the probed allocator, goes.
        var probedAddress: UInt64?
        if let probe = allocationProbes[attrIndex] {
            guard let call = probe.read(raw) else {
                unreadableProbeSamples += 1
                return
            }
            period = UInt64(call.bytes)
            probedAddress = call.address
        }
        let labels = labelSet(pid: pid, tid: tid, hasTID: sampleType.contains(.tid))
        // Wall-clock time: a sample of a thread ends its time off the CPU; a switch starts one (and ends the
        // incoming thread's), charged to this stack, with why it left as a label.
        var offCPU: (tid: UInt32, labels: LabelSetID)?
        var onCPU = false
        var runtime: UInt64?  // PerfDataReader+Runtime.swift
        let offCPUTime = sampleType.contains(.tid) && wallClockTypes() != nil && isOffCPUTime(attrIndex)
        if let time, sampleType.contains(.tid), wallClockTypes() != nil {
            threadSeen(tid, at: time)
            if let switched = schedSwitch(of: attrIndex, raw: raw) {
                if switched.next != 0 { threadSeen(switched.next, at: time) }
                if !switched.state.isExit { offCPU = (switched.prev, offCPULabels(labels, switched.state)) }
                // A preempted thread resumes where it was: its next update is charged here (SchedRuntime.swift).
                if switched.state == .preempted && switched.prev == tid && runtimeIsOnCPU {
                    runtime = 0
                } else {
                    wallClock.runtime.tracker.switchedOut(switched.prev)
                }
            } else {
                onCPU = isClock(attrIndex)
                runtime = self.runtime(of: attrIndex, raw: raw)
            }
        }
        // `--call-graph dwarf` leaves the user part out of the kernel's call chain: perf unwinds the stack copy.
        if !userFrames, sampleType.contains(.regsUser) {
            if let userStack = try userStack(&body, attr: attr, pid: pid, tid: tid) {
                if options.unwinder != nil {
                    var wall = UnwoundWallClock(onCPU: onCPU)
                    if let offCPU, let time {
                        wall.switchNumber = wallClock.nextUnwindingNumber
                        wall.switchedOut = offCPU.tid
                        wall.offCPULabels = offCPU.labels
                        wallClock.tracker.switchedOut(offCPU.tid, at: time, slot: .unwinding(wallClock.nextUnwindingNumber))
                        wallClock.nextUnwindingNumber += 1
                    }
                    if let runtime {
                        wall.runtimeNumber = nextRuntimeNumber()
                        wall.tid = tid
                        chargeRuntime(tid, runtime, at: .unwinding(wall.runtimeNumber!))
                    }
                    enqueueUnwinding(userStack, types: types, labels: labels, period: period,
                                     probedAddress: probedAddress, wall: wall)
                    return
                }
                unwinding.skipped += 1
            }
            // Not unwound: the sampled function of a sample taken in user mode is its ip.
            if !sampledInKernel && ip != 0 { frame(ip, kernel: false, owner: owner, pid: pid) }
        }
        dropProbedFunction(at: probedAddress)
        let id = add(stack: stack, types: types, labels: labels, period: period)
        if onCPU { addOnCPU(stack: id, labels: labels, period: period) }
        if let runtime { chargeRuntime(tid, runtime, at: .stack(userStackID(kernelFrames: kernelFrames), labels)) }
        if offCPUTime { addOffCPUTime(stack: id, labels: labels, nanoseconds: period) }
        if let offCPU, let time { wallClock.tracker.switchedOut(offCPU.tid, at: time, slot: .stack(id, offCPU.labels)) }
    }

    /// Drops the leaf of a probe's stack when it is the probed address: the allocator the probe is on.
    mutating func dropProbedFunction(at address: UInt64?) {
        guard let address, let leaf = stack.first, builder.location(leaf).address == address else { return }
        stack.removeFirst()
    }

    @discardableResult
    mutating func add(stack: [LocationID], types: (value: Int, count: Int?), labels: LabelSetID, period: UInt64) -> StackID {
        let id = builder.intern(stack: stack)
        if let count = types.count {
            builder.add(stack: id, labels: labels, type: types.value, value: Int64(clamping: period), countType: count)
        } else {
            builder.add(stack: id, labels: labels, type: types.value, value: 1)
        }
        return id
    }

    func hasCallStackBranches(_ attr: PerfEventAttr) -> Bool {
        attr.branchSampleType & (1 << 11) != 0  // PERF_SAMPLE_BRANCH_CALL_STACK
    }

    /// The event's name as the perf script reader names it (`PerfEvents.name`).
    func eventName(of index: Int) -> String {
        PerfEvents.name(attrNames[index] ?? attrs[index].fallbackName)
    }

    mutating func sampleTypes(of attrIndex: Int) -> (value: Int, count: Int?) {
        if let types = typesOfAttr[attrIndex] { return types }
        if attrs[attrIndex].type == PerfData.tracepointType, let format = eventFormats[attrs[attrIndex].config],
           let probe = AllocationProbeFields(format) {
            allocationProbes[attrIndex] = probe
            let value = builder.sampleTypes.firstIndex(of: .allocatedSpace) ?? builder.addSampleType(.allocatedSpace)
            let count = builder.sampleTypes.firstIndex(of: .allocatedObjects)
                ?? builder.addSampleType(.allocatedObjects)
            typesOfAttr[attrIndex] = (value, count)
            return (value, count)
        }
        let name = eventName(of: attrIndex)
        let weighted = attrs[attrIndex].sampleType.contains(.period)
        let value = builder.sampleTypes.firstIndex { $0.type == name }
            ?? builder.addSampleType(PerfEvents.valueType(of: name, weighted: weighted))
        var count: Int?
        if weighted {
            let countType = ValueType.sampleCount(of: name)
            count = builder.sampleTypes.firstIndex { $0 == countType } ?? builder.addSampleType(countType)
        }
        typesOfAttr[attrIndex] = (value, count)
        return (value, count)
    }


    mutating func forgetLabels(_ tid: UInt32) {
        recentLabels[Int(tid & 255)] = (.max, .max, -1)
    }

    mutating func labelSet(pid: UInt32, tid: UInt32, hasTID: Bool) -> LabelSetID {
        guard hasTID else { return 0 }
        let recent = recentLabels[Int(tid & 255)]
        if recent.tid == tid && recent.pid == pid { return recent.labels }
        // perf script prints `:TID` for a thread whose name it never saw.
        let comm = threads[tid] ?? ":\(tid)"
        let id = builder.intern(labels: [
            Label(key: builder.intern(LabelKey.command), string: builder.intern(comm)),
            Label(key: builder.intern(LabelKey.process), string: builder.intern(String(pid))),
            Label(key: builder.intern(LabelKey.thread), string: builder.intern(String(tid))),
        ])
        recentLabels[Int(tid & 255)] = (tid, pid, id)
        return id
    }

    /// Entries of past generations stay until the cache holds this many, then all go (a process that maps memory
    /// between every pair of samples, as a JIT can, must not make the cache grow with the recording).
    static let frameCacheLimit = 1 << 20

    /// The frame-cache owner of a process's user frames: its pid and the generation of its maps. The last one is
    /// kept: runs of samples come from one process, and the dictionary lookup was 5% of reading a recording.
    mutating func frameOwner(pid: UInt32) -> UInt64 {
        if pid == lastOwner.pid { return lastOwner.owner }
        let owner = UInt64(pid) << 32 | UInt64(UInt32(truncatingIfNeeded: mapGenerations[pid] ?? 0))
        lastOwner = (pid, owner)
        return owner
    }

    mutating func frame(_ address: UInt64, kernel: Bool, owner processOwner: UInt64, pid: UInt32) {
        // Kernel addresses are the same in every process.
        let owner = kernel ? UInt64.max : processOwner
        let key = address ^ (owner &* 0x9E37_79B9_7F4A_7C15)
        if let entry = frameCache[key], frameKeys[Int(entry)] == (owner, address) {
            stack.append(frameLocations[Int(entry)])
            return
        }
        if frameKeys.count >= Self.frameCacheLimit {
            frameCache.removeAll()
            frameKeys.removeAll(keepingCapacity: true)
            frameLocations.removeAll(keepingCapacity: true)
        }
        let location: Location
        if kernel {
            let mapping = mappingTable.intern(MappingEntry(start: 0, limit: 0, offset: 0, path: MappingEntry.kernelPath,
                                                           buildID: ""))
            var chains = ResolvedChains()
            var lines: [Line] = []
            if let symbolizer = kernelSymbolizer(),
               symbolizer.resolve([address][...], in: MappingEntry.kernelPath, into: &chains), chains.count == 1 {
                lines = chains[0].map { Line(function: builder.intern(Function(name: builder.intern($0.name)))) }
            }
            location = Location(mapping: MappingID(mapping), address: address, lines: lines)
        } else {
            let mapping = mapEntry(pid: pid, address: address)?.mapping
            if let mapping, let mappingSampled = options.mappingSampled, sampledMappings.insert(mapping).inserted {
                let entry = mappingTable[mapping]
                mappingSampled(entry.path, entry.buildID.isEmpty ? buildIDs[entry.path] ?? "" : entry.buildID)
            }
            location = Location(mapping: mapping.map { MappingID($0) }, address: address, lines: [])
        }
        let id = builder.intern(location)
        frameCache.set(key, Int32(frameKeys.count))
        frameKeys.append((owner, address))
        frameLocations.append(id)
        stack.append(id)
    }
}

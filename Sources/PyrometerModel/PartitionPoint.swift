extension RandomAccessCollection {
    /// The first index whose element fails `isBefore`, by binary search, for a collection in which every element
    /// that passes comes before every one that fails (e.g. sorted starts, `{ $0.start <= address }`: the index
    /// after the last range starting at or before an address). `endIndex` when all pass.
    /// - Complexity: O(log n).
    @inlinable
    public func partitionPoint(where isBefore: (Element) throws -> Bool) rethrows -> Index {
        var low = startIndex
        var count = self.count
        while count > 0 {
            let half = count / 2
            let middle = index(low, offsetBy: half)
            if try isBefore(self[middle]) {
                low = index(after: middle)
                count -= half + 1
            } else {
                count = half
            }
        }
        return low
    }
}

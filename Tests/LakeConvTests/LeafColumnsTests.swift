@testable import LakeConv
import LakeParquet
import LakeTestSupport
import Testing

/// `LeafColumns` keeps only a prefix of a non-repeated leaf's definition levels (the present
/// entries after it are implied): whatever the order of appends, rollbacks and takes, the levels
/// it hands over must be exactly the ones appended.
@Suite struct LeafColumnsTests {
    /// One optional top-level string (max level 1), one optional field of an optional struct
    /// (max level 2), one list element (repeated: every level stored).
    static func columns() throws -> LeafColumns {
        let schema = try Schema([
            Field("name", .string),
            Field("dev", .struct([Field("w", .int64)])),
            Field("tags", .list(of: .string)),
        ])
        return LeafColumns(schema.columns, slotCount: 4)
    }

    @Test("random appends, marks and rollbacks: the taken levels are the appended ones")
    func impliedPresentLevels() throws {
        var random = SplitMix64(seed: 0x1EAF)
        for round in 0..<40 {
            let columns = try Self.columns()
            var expected: [[Int16]] = [[], [], []]
            var expectedRepetitions: [Int16] = []
            var saved: ([LeafColumns.Leaf.Mark], [[Int16]], [Int16])?
            let steps = 1 + Int(random.next() % 300)
            for _ in 0..<steps {
                switch random.next() % 10 {
                case 0:  // remember a rollback point
                    saved = ((0..<3).map { columns.leaves[$0].mark }, expected, expectedRepetitions)
                case 1:  // roll back to it
                    if let (marks, levels, repetitions) = saved {
                        for c in 0..<3 { columns.leaves[c].truncate(to: marks[c]) }
                        expected = levels
                        expectedRepetitions = repetitions
                    }
                default:
                    // Mostly present values (the implied case), sometimes every lower level.
                    for c in 0..<3 {
                        let maxLevel = columns.descriptors[c].maxDefinitionLevel
                        let level = random.next() % 4 == 0 ? Int16(random.next() % UInt64(maxLevel + 1)) : maxLevel
                        let repetition: Int16 = c == 2 ? Int16(random.next() % 2) : 0
                        columns.leaves[c].appendLevels(repetition: repetition, definition: level)
                        expected[c].append(level)
                        if c == 2 { expectedRepetitions.append(repetition) }
                    }
                }
            }
            // Taken twice (as a fresh buffer and appended to one), then appended to again.
            for c in 0..<3 {
                #expect(columns.columnBuffer(c).definitionLevels == expected[c], "round \(round), column \(c)")
                #expect(columns.columnBuffer(c).definitionLevels == expected[c], "round \(round), column \(c), second take")
            }
            #expect(columns.columnBuffer(2).repetitionLevels == expectedRepetitions, "round \(round)")
            columns.leaves[0].appendLevels(repetition: 0, definition: 1)
            columns.leaves[0].appendLevels(repetition: 0, definition: 0)
            #expect(columns.columnBuffer(0).definitionLevels == expected[0] + [1, 0], "round \(round), after a take")
            #expect(columns.leaves[0].estimatedByteSize >= 2 * (expected[0].count + 2))
        }
    }
}

// PLAIN encoding. Spec: https://parquet.apache.org/docs/file-format/data-pages/encodings/#plain-plain--0
//
//   BOOLEAN              := bit-packed, 1 bit a value, LSB first (as the hybrid's bit-packed values)
//   INT32 / FLOAT        := 4 bytes little-endian (IEEE 754 bits for FLOAT)
//   INT64 / DOUBLE       := 8 bytes little-endian
//   INT96                := 12 bytes little-endian (legacy timestamps: 8 bytes nanos of day, 4 bytes Julian day)
//   BYTE_ARRAY           := 4-byte little-endian length, then the bytes
//   FIXED_LEN_BYTE_ARRAY := the bytes (the width comes from the schema)

/// A 12-byte INT96 value: `low` holds bytes 0-7, `high` bytes 8-11.
public struct Int96: Sendable, Hashable {
    public var low: UInt64
    public var high: UInt32

    public init(low: UInt64, high: UInt32) {
        self.low = low
        self.high = high
    }

    /// The legacy Impala/Hive timestamp layout: nanoseconds of the day, then the Julian day number.
    public init(nanosecondsSinceEpoch nanos: Int64) {
        let nanosPerDay: Int64 = 86_400 * 1_000_000_000
        let (days, nanosOfDay) = nanos.floorDivided(by: nanosPerDay)
        let julianDayOfEpoch: Int64 = 2_440_588
        self.init(low: UInt64(nanosOfDay), high: UInt32(truncatingIfNeeded: days + julianDayOfEpoch))
    }
}

extension Int64 {
    /// Floor division and the matching non-negative remainder.
    func floorDivided(by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        var q = self / divisor
        var r = self % divisor
        if r < 0 {
            q -= 1
            r += divisor
        }
        return (q, r)
    }
}

/// PLAIN encoders, one static function per physical type; they append to a caller-owned buffer.
public enum PlainEncoder {
    public static func encode(_ values: ArraySlice<Bool>, into out: inout ByteWriter) {
        var byte: UInt8 = 0
        var bit = 0
        for v in values {
            if v { byte |= 1 << UInt8(bit) }
            bit += 1
            if bit == 8 {
                out.append(byte)
                byte = 0
                bit = 0
            }
        }
        if bit > 0 { out.append(byte) }
    }

    /// INT32, INT64, FLOAT, DOUBLE: the little-endian bytes of each value, copied in bulk.
    public static func encode<T: BitwiseCopyable>(fixedWidth values: ArraySlice<T>, into out: inout ByteWriter) {
        #if _endian(little)
        values.withUnsafeBytes { out.append($0) }
        #else
        #error("lakeconv writes Parquet's little-endian layout by copying memory; big-endian hosts are not supported")
        #endif
    }

    public static func encode(_ values: ArraySlice<Int96>, into out: inout ByteWriter) {
        for v in values {
            out.appendLittleEndian(v.low)
            out.appendLittleEndian(v.high)
        }
    }

    /// BYTE_ARRAY values `range` of `buffer`: length-prefixed.
    public static func encode(byteArrays buffer: ByteArrayBuffer, range: Range<Int>, into out: inout ByteWriter) {
        guard !range.isEmpty else { return }
        // One reservation for the whole range (4 bytes per value plus its bytes, and 16 spare so a
        // short value is copied as one 16-byte vector), filled through a pointer.
        let total = 4 * range.count + Int(buffer.offsets[range.upperBound] &- buffer.offsets[range.lowerBound])
        buffer.bytes.withUnsafeBytes { raw in
            buffer.offsets.withUnsafeBufferPointer { offsets in
                out.appendWithUnsafeCapacity(upTo: total + 16) { (destination: UnsafeMutableRawBufferPointer) -> Int in
                    let source = raw.baseAddress ?? UnsafeRawPointer(bitPattern: 16)!
                    let sourceEnd = raw.count
                    var o = destination.baseAddress!
                    for i in range {
                        let start = Int(offsets[i])
                        let length = Int(offsets[i + 1] &- offsets[i])
                        o.storeBytes(of: UInt32(truncatingIfNeeded: length).littleEndian, as: UInt32.self)
                        o += 4
                        if length <= 16 && start &+ 16 <= sourceEnd {
                            o.storeBytes(of: (source + start).loadUnaligned(as: SIMD16<UInt8>.self), as: SIMD16<UInt8>.self)
                        } else if length > 0 {
                            o.copyMemory(from: source + start, byteCount: length)
                        }
                        o += length
                    }
                    return total
                }
            }
        }
    }

    /// FIXED_LEN_BYTE_ARRAY values `range` of `buffer`: the bytes alone.
    public static func encode(fixedByteArrays buffer: ByteArrayBuffer, range: Range<Int>, into out: inout ByteWriter) {
        guard !range.isEmpty else { return }
        let start = Int(buffer.offsets[range.lowerBound])
        let end = Int(buffer.offsets[range.upperBound])
        out.append(contentsOf: buffer.bytes[start..<end])
    }
}

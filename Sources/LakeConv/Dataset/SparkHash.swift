/// Spark's bucketing hash: Murmur3 x86_32 with seed 42, as `org.apache.spark.sql.catalyst.
/// expressions.Murmur3Hash` computes it, and the bucket `pmod(hash, n)`.
///
/// Spark hashes an int with one mixing round, a long as two ints (low word first), and a string
/// over its UTF-8 bytes in 4-byte little-endian blocks, then — unlike reference Murmur3 — each
/// remaining byte on its own, sign-extended, through a full mixing round (Spark's
/// `hashUnsafeBytes`). A null leaves the seed unchanged. Doubles are hashed as the long of their
/// bits with −0.0 normalised to 0.0; booleans as the int 1 or 0.
///
/// Spec: Spark `Murmur3_x86_32.java` and `HashExpression` (hash(1) = −559580957).
public enum SparkHash {
    public static let seed: UInt32 = 42

    @inline(__always) static func mixK1(_ k: UInt32) -> UInt32 {
        var k1 = k &* 0xCC9E_2D51
        k1 = (k1 << 15) | (k1 >> 17)
        return k1 &* 0x1B87_3593
    }

    @inline(__always) static func mixH1(_ h: UInt32, _ k1: UInt32) -> UInt32 {
        var h1 = h ^ k1
        h1 = (h1 << 13) | (h1 >> 19)
        return h1 &* 5 &+ 0xE654_6B64
    }

    @inline(__always) static func fmix(_ h: UInt32, _ length: UInt32) -> UInt32 {
        var h1 = h ^ length
        h1 ^= h1 >> 16
        h1 &*= 0x85EB_CA6B
        h1 ^= h1 >> 13
        h1 &*= 0xC2B2_AE35
        h1 ^= h1 >> 16
        return h1
    }

    public static func hash(int value: Int32, seed: UInt32 = seed) -> Int32 {
        Int32(bitPattern: fmix(mixH1(seed, mixK1(UInt32(bitPattern: value))), 4))
    }

    public static func hash(long value: Int64, seed: UInt32 = seed) -> Int32 {
        let bits = UInt64(bitPattern: value)
        var h1 = mixH1(seed, mixK1(UInt32(truncatingIfNeeded: bits)))
        h1 = mixH1(h1, mixK1(UInt32(truncatingIfNeeded: bits >> 32)))
        return Int32(bitPattern: fmix(h1, 8))
    }

    public static func hash(double value: Double, seed: UInt32 = seed) -> Int32 {
        hash(long: Int64(bitPattern: (value == 0 ? 0.0 : value).bitPattern), seed: seed)
    }

    /// FloatType: `floatToIntBits`, with -0.0 as 0.0.
    public static func hash(float value: Float, seed: UInt32 = seed) -> Int32 {
        hash(int: Int32(bitPattern: (value == 0 ? Float(0) : value).bitPattern), seed: seed)
    }

    /// DecimalType of precision above 18 (`decimal(38,0)`): the bytes of
    /// `unscaledValue().toByteArray()`, the shortest big-endian two's complement form.
    public static func hash(decimalUnscaled value: Int128, seed: UInt32 = seed) -> Int32 {
        withUnsafeBytes(of: value.bigEndian) { all in
            // Drop leading bytes that only repeat the sign (0x00 before a byte < 0x80, 0xFF
            // before a byte ≥ 0x80), keeping at least one.
            var first = 0
            while first < 15 {
                let byte = all[first]
                let nextNegative = all[first + 1] >= 0x80
                guard (byte == 0x00 && !nextNegative) || (byte == 0xFF && nextNegative) else { break }
                first += 1
            }
            return hash(bytes: UnsafeRawBufferPointer(rebasing: all[first...]), seed: seed)
        }
    }

    public static func hash(bytes: UnsafeRawBufferPointer, seed: UInt32 = seed) -> Int32 {
        let n = bytes.count
        let aligned = n - n % 4
        var h1 = seed
        var i = 0
        while i < aligned {
            h1 = mixH1(h1, mixK1(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt32.self))))
            i += 4
        }
        while i < n {
            h1 = mixH1(h1, mixK1(UInt32(bitPattern: Int32(Int8(bitPattern: bytes[i])))))
            i += 1
        }
        return Int32(bitPattern: fmix(h1, UInt32(n)))
    }

    public static func hash(string: String, seed: UInt32 = seed) -> Int32 {
        var copy = string
        return copy.withUTF8 { hash(bytes: UnsafeRawBufferPointer($0), seed: seed) }
    }

    /// Spark's `pmod`: the non-negative remainder.
    public static func bucket(_ hash: Int32, buckets: Int) -> Int {
        let r = Int(hash) % buckets
        return r < 0 ? r + buckets : r
    }
}

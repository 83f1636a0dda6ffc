#!/usr/bin/env python3
"""gen_events.py: lakeconv's deterministic "api-events" NDJSON generator.

Python 3.9+ standard library only.  Writes one compact JSON object per line
(no spaces, UTF-8 with non-ASCII characters written literally, "\\n" line ends).
The same --seed and the same size argument give the same bytes on any platform
and any run.

Command line
------------
    python3 gen_events.py --rows N --seed S --out FILE     # exactly N records
    python3 gen_events.py --mb M   --seed S --out FILE     # M * 10^6 bytes, rounded up to a record
    python3 gen_events.py --rows 10 --seed 1 --out -       # '-' writes to stdout
    python3 gen_events.py --mb 100 --seed 42 --out f.ndjson --validate

  --rows N     number of records (exactly one of --rows / --mb is required)
  --mb M       decimal megabytes: generation stops at the first record boundary at
               or past M * 1,000,000 bytes (M may be fractional, e.g. 0.5)
  --seed S     integer seed (default 42)
  --out FILE   output path, or '-' for stdout
  --validate   after writing, json.loads() every line of FILE (not with --out -)

A summary ("wrote N records, B bytes ...") goes to stderr.

Record shape
------------
Keys always appear in this order; "referrer" is the only key that is sometimes
absent.

  event_id    string   UUID v4 layout, 8-4-4-4-12 lowercase hex, random
  event_time  string   ISO-8601 UTC with milliseconds, e.g. 2021-03-21T09:00:00.123Z.
                       Spread linearly over 30 days from 2021-03-01T00:00:00Z (by
                       record index for --rows, by byte offset for --mb), plus up to
                       +/-2 s jitter; about 0.8% of events are "late" by 1 s to about
                       17.5 min, so the column is mostly, not strictly, increasing.
                       Always within 2021-03-01 .. 2021-03-30 (30 UTC dates).
  source      string   8 values, skewed: web 34%, ios 22%, android 20%, api 12%,
                       partner 6%, batch 3%, iot 2%, internal 1%
  event_type  string   50 values, Zipf-like (s = 1), page_view the most common
  user_id     integer  from a population of 2^20 users with random 62-bit ids
                       (about 99.8% are above 2^53: a reader that goes through a
                       double loses them)
  session_id  string   "s-" + 16 lowercase hex digits; 4,096 live sessions, each
                       event picks one at random and 1 in 32 events first replaces it
                       with a new session.  A session fixes user_id, is_mobile,
                       country and device.
  amount      number   null in 10%; an integer literal (e.g. 12) in 5%; otherwise a
              or null  decimal with exactly 2 places (26.87).  Log-ish magnitudes:
                       <10 25%, <100 45%, <1000 25%, <10000 5%.
  quantity    integer  1..10, 1 in 60%
  is_mobile   boolean  follows the device's OS
  country     string   40 ISO-3166 alpha-2 codes, Zipf-like (s = 1.2)
  device      object   {"os": str, "version": str, "screen": {"w": int, "h": int}};
                       83 combinations of 7 OSes
  tags        array    0..5 distinct strings (20/25/25/15/10/5%) from 30 values
  referrer    string   optional: present in 5% of records, 15 URLs
  message     string   free text of 20..200 characters as written in the file
                       (an escape counts as written, a non-ASCII character as one),
                       mean about 76; a run of whole words from a 2^19-word corpus.
                       About 8-9% hold non-ASCII UTF-8 (é, 中文, テスト, emoji, ...), about
                       4% hold JSON escapes: \\" \\\\ \\n \\t \\r \\/ \\u00e9 \\u4e2d\\u6587 and
                       the surrogate pair \\ud83d\\ude80.

Example line:

  {"event_id":"732001fd-2a9a-414d-9262-2d69448d5d84",
  "event_time":"2021-03-01T00:00:01.926Z","source":"ios",
  "event_type":"notification_opened","user_id":3864909009793308538,
  "session_id":"s-6f949a6ff0ba2ddb","amount":6736.61,"quantity":1,
  "is_mobile":false,"country":"US","device":{"os":"Windows","version":"10",
  "screen":{"w":2560,"h":1440}},"tags":["bulk_order","first_order"],
  "message":"coupon velan service user → next user warning cart found cart rejected gateway mensa the started https of last"}

(one line in the file; wrapped here at commas.  First record of
--rows 1000 --seed 7, i.e. Fixtures/ndjson/events_sample.ndjson.)

Determinism and speed
---------------------
All randomness comes from one random.Random(seed), read only through
getrandbits() (platform independent); weighted tables are apportioned with exact
integer/Fraction arithmetic, so no float rounding reaches the output.  Records are
made in batches of 4,096 (the batch size is part of the output format: changing it
changes the bytes).  A batch draws one block of random bytes and builds each field
as a column with C-level map/zip over pre-rendered JSON fragments (categorical
values, sessions, quantity, amounts, tag lists and timestamp pieces are rendered
once at start-up, about 0.4 s); messages are slices of a pre-built UTF-8 corpus.
Only the session bookkeeping (1 record in 32), message boundaries and timestamp
arithmetic run as Python per record.  Measured on the project's 2-core VM, one
core: --mb 100 in about 1.6-1.9 s (55-60 MB/s), --mb 1000 in about 14 s (70 MB/s).
"""
import argparse
import array
import bisect
import datetime
import itertools
import operator
import random
import re
import sys
from decimal import Decimal
from fractions import Fraction

BATCH = 4096                      # records per batch; part of the output format
NSESSIONS = 4096                  # live sessions (slot = 12 bits)
NUSERS = 1 << 20                  # user population
CORPUS_WORDS = 1 << 19            # words in the message corpus (start index = 19 bits)
DAY_MS = 86_400_000
SPAN_DAYS = 30
SPAN_MS = SPAN_DAYS * DAY_MS
START = datetime.datetime(2021, 3, 1, tzinfo=datetime.timezone.utc)
T0_MS = (START.date() - datetime.date(1970, 1, 1)).days * DAY_MS   # 2021-03-01T00:00:00Z
T_END_MS = T0_MS + SPAN_MS                # exclusive
U16 = 1 << 16

# ----------------------------------------------------------------------------- vocabularies
SOURCES = [("web", 34), ("ios", 22), ("android", 20), ("api", 12),
           ("partner", 6), ("batch", 3), ("iot", 2), ("internal", 1)]

EVENT_TYPES = """
page_view click api_request search scroll add_to_cart login impression form_submit
checkout_begin purchase logout signup video_start video_stop share like comment
download upload notification_sent notification_opened email_delivered email_opened
email_clicked password_changed profile_edited settings_changed subscription_created
subscription_renewed subscription_cancelled payment_failed refund_issued
coupon_redeemed wishlist_added review_posted ticket_opened ticket_closed chat_started
app_launch app_crash app_update permission_granted permission_denied geo_update
experiment_assigned flag_evaluated rate_limit_hit webhook_delivered export_requested
""".split()

COUNTRIES = """
US IN GB DE BR FR JP CA MX ES IT AU KR NL ID TR PL SE RU AR
CH BE CN ZA NG AT DK NO FI IE PT IL SG NZ CZ GR HU RO PH VN
""".split()

TAGS = """
new_user returning beta canary promo_spring coupon loyalty_gold loyalty_silver vip
guest ab_a ab_b ab_control dark_mode low_bandwidth cart_recovered gift first_order
bulk_order wholesale student trial_user paid_plan free_plan affiliate influencer
email_optin sms_optin app_rating_prompt fraud_review
""".split()
TAG_COUNT_WEIGHTS = [20, 25, 25, 15, 10, 5]          # 0..5 tags per record

REFERRERS = [
    "https://www.google.com/search?q=running+shoes",
    "https://www.google.de/",
    "https://www.bing.com/",
    "https://duckduckgo.com/?q=api+status",
    "https://t.co/9xQe2Lm1",
    "https://m.facebook.com/",
    "https://www.instagram.com/p/CMa1b2c3d4e/",
    "https://www.reddit.com/r/frugal/comments/m7x1k2/",
    "https://news.ycombinator.com/",
    "https://newsletter.example.org/2021/03/?utm_source=mail&utm_medium=email",
    "android-app://com.slack/",
    "https://partners.example.net/embed/widget.js",
    "https://www.youtube.com/",
    "https://www.pinterest.com/pin/88710030/",
    "https://search.naver.com/search.naver?query=%EC%8B%A0%EB%B0%9C",
]

# os, is_mobile, weight, versions, screens  (5*5 + 5*5 + 2*2 + 3*4 + 3*3 + 2*2 + 2*2 = 83)
DEVICES = [
    ("iOS", True, 30, ["14.4", "14.4.2", "14.3", "14.2", "13.7"],
     [(1170, 2532), (828, 1792), (1125, 2436), (750, 1334), (1242, 2688)]),
    ("Android", True, 28, ["11", "10", "9", "12", "8.1.0"],
     [(1080, 2400), (1080, 2280), (720, 1560), (1440, 3040), (1080, 1920)]),
    ("iPadOS", True, 4, ["14.4", "14.2"], [(1620, 2160), (1668, 2388)]),
    ("Windows", False, 22, ["10", "7", "8.1"],
     [(1920, 1080), (1366, 768), (1536, 864), (2560, 1440)]),
    ("macOS", False, 10, ["11.2", "10.15.7", "10.14.6"],
     [(1440, 900), (2560, 1600), (1680, 1050)]),
    ("Linux", False, 3, ["x86_64", "aarch64"], [(1920, 1080), (2560, 1440)]),
    ("ChromeOS", False, 3, ["89.0", "88.0"], [(1366, 768), (1920, 1080)]),
]

MESSAGE_WORDS = """
request response user order cart item payment card token session cache query
service gateway upstream timeout retry error warning ok done failed accepted
rejected queued sent delivered started stopped created updated deleted found
missing invalid expired pending complete partial slow fast hit miss stale fresh
for to from the a an of in on at by with after before while and or not is was
will be has had new old first last next page search result results login logout
account profile settings email phone address shipping billing invoice refund
discount coupon price total amount tax fee region zone node pod worker job batch
stream topic partition offset lag commit rollback deploy release version build
feature flag variant experiment metric latency ms seconds p99 p50 bytes rows
client server browser mobile desktop tablet app sdk api v1 v2 http https status
code id key value field record event events customer merchant partner internal
checkout subscription plan trial renewal cancel upgrade downgrade limit quota
throttled blocked allowed unknown default null empty full open closed sync async
""".split()
SYLLABLES = ["ba", "ko", "ri", "men", "to", "sa", "vel", "qu", "dor", "ex", "an",
             "tri", "lo", "nix", "pe", "ur", "sh", "zo", "im", "cal"]

# Literal non-ASCII words (written as UTF-8 in the output).
UNICODE_WORDS = ["é", "café", "crème brûlée", "Köln", "Málaga", "niño", "Øresund",
                 "中文", "北京", "价格", "テスト", "東京", "ラーメン", "서울", "Москва",
                 "ошибка", "Ελλάδα", "عربي", "עברית", "🚀", "🎉 sale", "👍", "😀",
                 "✓ ok", "→ next", "€19", "¥980", "£7", "±5", "µs"]
# Escape tokens, exactly as written in the file (JSON escapes); all decode to valid text.
ESCAPE_WORDS = ['\\"quoted\\"', 'say \\"hi\\"', 'C:\\\\temp\\\\a.log', 'a\\\\b',
                'one\\ntwo', 'col\\tcol', 'crlf\\r\\n', 'http:\\/\\/x.io\\/a',
                'caf\\u00e9', '\\u4e2d\\u6587', 'go \\ud83d\\ude80']
P_UNICODE_WORD = 510       # per 65,536 corpus words (~0.78%)
P_ESCAPE_WORD = 250        # per 65,536 corpus words (~0.38%)
MAX_WORD_CHARS = 19        # as written; keeps messages <= 200 chars


# ----------------------------------------------------------------------------- helpers
def apportion(weights, size):
    """Integer counts summing to `size`, proportional to weights (largest remainder).
    Exact rational arithmetic (weights are ints or Fractions), so no float rounding
    can differ between platforms."""
    total = sum(Fraction(w) for w in weights)
    exact = [Fraction(w) * size / total for w in weights]
    counts = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (counts[i] - exact[i], i))
    for i in order[: size - sum(counts)]:
        counts[i] += 1
    return counts


def lookup_table(values, weights, size=U16):
    """A list of `size` entries where each value appears ~ proportionally to its weight,
    so that table[uniform index] is a weighted draw."""
    out = []
    for v, c in zip(values, apportion(weights, size)):
        out.extend([v] * c)
    return out


def iroot(x, n):
    """floor(x ** (1/n)) for integers, by Newton's method (exact)."""
    if n == 1 or x < 2:
        return x
    r = 1 << ((x.bit_length() + n - 1) // n)          # >= the root
    while True:
        y = ((n - 1) * r + x // r ** (n - 1)) // n
        if y >= r:
            return r
        r = y


def zipf(n, num, den=1):
    """Integer Zipf weights 1/k^(num/den) for k = 1..n, scaled by 10^12 (exact)."""
    return [iroot(10 ** (12 * den) // k ** num, den) for k in range(1, n + 1)]


def jq(s):
    """JSON string literal (compact, non-ASCII kept literal) for a plain str, as bytes."""
    out = ['"']
    for ch in s:
        if ch == '"' or ch == '\\':
            out.append('\\' + ch)
        elif ord(ch) < 0x20:
            out.append('\\u%04x' % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return ''.join(out).encode('utf-8')


def intern(fragments):
    """The same list with equal fragments made one object (fewer cache misses)."""
    seen = {}
    return [seen.setdefault(f, f) for f in fragments]


def u16_column(data):
    a = array.array('H', data)
    if sys.byteorder == 'big':
        a.byteswap()
    return a


def u32_column(data):
    a = array.array('I', data)
    assert a.itemsize == 4
    if sys.byteorder == 'big':
        a.byteswap()
    return a


# ----------------------------------------------------------------------------- tables
class Tables:
    """Every pre-rendered fragment; built once from the seeded generator."""

    def __init__(self, rng):
        bits = rng.getrandbits
        # Independent categorical fields that sit next to each other in the record are
        # merged into one pre-rendered fragment: entry k of a merged pool is entry k of
        # the first field's table plus entry perm[k] of the second's, so each field keeps
        # its exact distribution and one 16-bit draw picks both.
        assert len(EVENT_TYPES) == 50 and len(set(EVENT_TYPES)) == 50
        source = lookup_table(
            [b'","source":"' + s.encode() + b'","event_type":' for s, _ in SOURCES],
            [w for _, w in SOURCES])
        event_type = lookup_table(
            [jq(e) + b',"user_id":' for e in EVENT_TYPES], zipf(50, 1))
        perm = self.permutation(rng)
        self.src_et = intern([source[k] + event_type[perm[k]] for k in range(U16)])

        assert len(COUNTRIES) == 40 and len(set(COUNTRIES)) == 40
        self.country = lookup_table(COUNTRIES, zipf(40, 6, 5))
        devs, dev_w = [], []
        for os_, mobile, w, versions, screens in DEVICES:
            combos = [(v, sc) for v in versions for sc in screens]
            for k, (v, (sw, sh)) in enumerate(combos):
                frag = b'{"os":%s,"version":%s,"screen":{"w":%d,"h":%d}}' % (
                    jq(os_), jq(v), sw, sh)
                devs.append((b'true' if mobile else b'false', frag))
                dev_w.append(Fraction(2 * w, (k + 2) * len(combos)))
        assert len(devs) == 83
        self.device = lookup_table(devs, dev_w)

        # amount: one u16 picks the integer part (or null) and which suffix pool the
        # second u16 reads: cents + quantity for a decimal, quantity alone for an
        # integer literal or null.  Quantity ends with the opening of is_mobile.
        quantity = lookup_table(
            [b',"quantity":%d,"is_mobile":' % q for q in range(1, 11)],
            [60, 17, 8, 5, 3, 2, 2, 1, 1, 1])
        perm = self.permutation(rng)
        qty = [quantity[perm[k]] for k in range(U16)]
        cents_qty = intern([b'.%02d' % (k % 100) + qty[k] for k in range(U16)])
        n_null, n_int = U16 // 10, U16 // 20          # 10% null, 5% integer literal
        n_num = U16 - n_null
        magnitudes = lookup_table([(0, 10), (10, 100), (100, 1000), (1000, 10000)],
                                  [25, 45, 25, 5], 256)
        r = u32_column(bits(32 * n_num).to_bytes(4 * n_num, 'little'))
        ints = [b'%d' % v for v in range(10000)]
        self.amount_int = [b'null'] * n_null + [
            ints[lo + (x >> 8) % (hi - lo)]
            for lo, hi, x in ((*magnitudes[x & 255], x) for x in r)]
        self.amount_suffix = [qty] * (n_null + n_int) + [cents_qty] * (n_num - n_int)

        # tags + referrer + the opening of message.  Tags: a pool of 65,536 arrays of
        # distinct tags; entry k has count[k] tags taken from 12 random 5-bit
        # candidates (values >= 30 and repeats skipped, topped up if short).
        counts = lookup_table(list(range(6)), TAG_COUNT_WEIGHTS)
        tq = [jq(t) for t in TAGS]
        shifts = range(0, 60, 5)
        tags = []
        for n in counts:
            chosen = []
            while len(chosen) < n:
                x = bits(60)
                for sh in shifts:
                    i = (x >> sh) & 31
                    if i < 30 and i not in chosen:
                        chosen.append(i)
                        if len(chosen) == n:
                            break
            tags.append(b'[' + b','.join([tq[i] for i in chosen]) + b']')
        n_ref = U16 // 20                              # referrer present in 5%
        refs = [b',"referrer":' + jq(r) + b',"message":"' for r in REFERRERS]
        referrer = [refs[k % 15] for k in range(n_ref)] + [b',"message":"'] * (U16 - n_ref)
        perm = self.permutation(rng)
        self.tags_ref = intern([tags[k] + referrer[perm[k]] for k in range(U16)])

        # timestamp pieces: b"2021-03-05T" by day number, b"HH:MM:SS." by second of
        # day, b"mmmZ" by millisecond
        self.days = {}
        d0 = T0_MS // DAY_MS
        for k in range(-2, SPAN_DAYS + 2):
            day = (START + datetime.timedelta(days=k)).strftime('%Y-%m-%dT')
            self.days[d0 + k] = day.encode()
        two = [b'%02d' % k for k in range(60)]
        self.sec_of_day = [h + b':' + m + b':' + s + b'.'
                           for h in two[:24] for m in two for s in two]
        self.millis = [b'%03dZ' % m for m in range(1000)]
        # time offsets: jitter in [-2000, 2000] ms; 0.8% are also late by 1 s .. 1050 s
        n_late = U16 * 8 // 1000
        r = u32_column(bits(32 * U16).to_bytes(4 * U16, 'little'))
        self.dt = [x % 4001 - 2000 for x in r]
        for k in range(n_late):
            self.dt[k] -= 1000 + (r[k] >> 12) % 1_049_000
        self.dt_min, self.dt_max = min(self.dt), max(self.dt)

        # message length target L: 21..182, decreasing triangular (min of two uniform
        # bytes).  A message is the run of whole words from a random word start up to
        # the first word boundary at or past L characters, so it has L-1 .. L+18
        # characters (words are at most 19): always 20..200.
        self.msg_len = [21 + min(k & 255, k >> 8) * 161 // 255 for k in range(U16)]

        # user population: 2^20 random 62-bit ids (at least 2^40)
        self.user_bytes = bits(64 * NUSERS).to_bytes(8 * NUSERS, 'little')

        self._build_corpus(rng)

    @staticmethod
    def permutation(rng, n=U16):
        """A random permutation of range(n): indices sorted by random 32-bit keys
        (a stable sort, so even a tie is deterministic)."""
        keys = u32_column(rng.getrandbits(32 * n).to_bytes(4 * n, 'little'))
        return sorted(range(n), key=keys.__getitem__)

    def _build_corpus(self, rng):
        bits = rng.getrandbits
        words = list(MESSAGE_WORDS)
        for _ in range(700):                      # pseudo-words from syllables
            n = 2 + bits(2) % 3
            words.append(''.join(SYLLABLES[bits(5) % 20] for _ in range(n)))
        for _ in range(100):
            words.append('%d' % bits(14))
        for _ in range(40):
            words.append('req-%06x' % bits(24))
        ascii_table = lookup_table(words, zipf(len(words), 9, 10),
                                   U16 - P_UNICODE_WORD - P_ESCAPE_WORD)
        table = (ascii_table
                 + [UNICODE_WORDS[k % len(UNICODE_WORDS)] for k in range(P_UNICODE_WORD)]
                 + [ESCAPE_WORDS[k % len(ESCAPE_WORDS)] for k in range(P_ESCAPE_WORD)])
        assert len(table) == U16
        assert max(len(w) for w in table) <= MAX_WORD_CHARS
        table_b = [w.encode('utf-8') for w in table]
        table_clen = [len(w) + 1 for w in table]          # + separating space
        table_blen = [len(b) + 1 for b in table_b]
        idx = u16_column(bits(16 * (CORPUS_WORDS + 256)).to_bytes(
            2 * (CORPUS_WORDS + 256), 'little'))
        self.corpus = b' '.join(map(table_b.__getitem__, idx)) + b' '
        # start offset of every word, in characters (as written) and in bytes
        # (compact arrays: far fewer cache misses than lists of int objects)
        self.cstart = array.array('I', itertools.accumulate(
            map(table_clen.__getitem__, idx), initial=0))
        self.bstart = array.array('I', itertools.accumulate(
            map(table_blen.__getitem__, idx), initial=0))


# ----------------------------------------------------------------------------- generator
HEAD_PREFIX = b'{"event_id":"'
HEAD_SUFFIX = b'","event_time":"'
EID_LEN = 36
HEAD_LEN = len(HEAD_PREFIX) + EID_LEN + len(HEAD_SUFFIX)     # 65
TS_LEN = 24
FIXED_LEN = HEAD_LEN + TS_LEN                                # 89 bytes before the tail
# byte positions, inside one head, of the 32 hex digits of the UUID
HEX_POS = [len(HEAD_PREFIX) + j + (j >= 8) + (j >= 12) + (j >= 16) + (j >= 20)
           for j in range(32)]
VERSION_4 = bytes((b & 0x0F) | 0x40 for b in range(256))
VARIANT_1 = bytes((b & 0x3F) | 0x80 for b in range(256))
END = b'"}\n'

LOW_NIBBLE = bytes(b & 0x0F for b in range(256))
LOW_3_BITS = bytes(b & 0x07 for b in range(256))
NEW_SESSION = re.compile(rb'[\x00-\x07]')       # a byte < 8: 1 in 32

# random bytes per record, as consecutive column blocks of a batch:
# 16 uuid | 6 x u16 draws | u16 session slot | u8 new-session | u32 word
N_U16 = 6
REC_RANDOM = 16 + 2 * N_U16 + 2 + 1 + 4


class Generator:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.T = Tables(self.rng)
        head = bytearray(HEAD_PREFIX + b'x' * EID_LEN + HEAD_SUFFIX)
        for p in (8, 13, 18, 23):
            head[len(HEAD_PREFIX) + p] = ord('-')
        self.head_template = bytes(head) * BATCH
        self.sess_a = [None] * NSESSIONS
        self.sess_b = [None] * NSESSIONS
        for k in range(NSESSIONS):
            self._new_session(k)

    def _new_session(self, slot):
        T = self.T
        r = self.rng.getrandbits(128)
        u = (r & (NUSERS - 1)) * 8
        uid = int.from_bytes(T.user_bytes[u:u + 8], 'little') >> 2
        if uid < (1 << 40):
            uid |= 1 << 40
        mobile, dev = T.device[(r >> 20) & 0xFFFF]
        country = T.country[(r >> 36) & 0xFFFF]
        self.sess_a[slot] = b'%d,"session_id":"s-%016x","amount":' % (uid, r >> 64)
        self.sess_b[slot] = b'%s,"country":"%s","device":%s,"tags":' % (
            mobile, country.encode(), dev)

    def batch(self):
        """One batch: (heads, tails) with the 24-byte timestamp still missing."""
        T = self.T
        B = BATCH
        raw = self.rng.getrandbits(8 * REC_RANDOM * B).to_bytes(REC_RANDOM * B, 'little')
        # ---- event_id, straight into the fixed-width heads
        ub = bytearray(raw[:16 * B])
        ub[6::16] = ub[6::16].translate(VERSION_4)
        ub[8::16] = ub[8::16].translate(VARIANT_1)
        hexd = ub.hex().encode()
        hb = bytearray(self.head_template)
        for j, p in enumerate(HEX_POS):
            hb[p::HEAD_LEN] = hexd[j::32]
        hb = bytes(hb)
        heads = [hb[k:k + HEAD_LEN] for k in range(0, HEAD_LEN * B, HEAD_LEN)]
        # ---- 16-bit columns
        o = 16 * B
        u = u16_column(raw[o:o + 2 * N_U16 * B])
        (c_src, c_amt, c_cent, c_tags, c_len, c_dt) = [
            u[j * B:(j + 1) * B] for j in range(N_U16)]
        o += 2 * N_U16 * B
        sl = bytearray(raw[o:o + 2 * B])                 # 12-bit slots: mask the high byte
        sl[1::2] = sl[1::2].translate(LOW_NIBBLE)
        slots = u16_column(sl)
        o += 2 * B
        new_flags = raw[o:o + B]
        o += B
        wb = bytearray(raw[o:o + 4 * B])                 # 19-bit word index: mask the top byte
        wb[2::4] = wb[2::4].translate(LOW_3_BITS)
        wb[3::4] = bytes(B)
        words = u32_column(wb)
        # ---- sessions (sequential: a replaced session is seen by the later records)
        sa, sb = [], []
        pos = 0
        sess_a, sess_b = self.sess_a, self.sess_b
        for m in NEW_SESSION.finditer(new_flags):
            k = m.start()
            seg = slots[pos:k]
            sa.extend(map(sess_a.__getitem__, seg))
            sb.extend(map(sess_b.__getitem__, seg))
            self._new_session(slots[k])
            pos = k
        seg = slots[pos:]
        sa.extend(map(sess_a.__getitem__, seg))
        sb.extend(map(sess_b.__getitem__, seg))
        # ---- messages: whole words from a random corpus position
        cs, bs, corpus = T.cstart, T.bstart, T.corpus
        bl = bisect.bisect_left
        msgs = [corpus[bs[w]:bs[bl(cs, cs[w] + n, w, w + 128)] - 1]
                for w, n in zip(words, map(T.msg_len.__getitem__, c_len))]
        # ---- the rest of the record after event_time
        tails = list(map(b''.join, zip(
            map(T.src_et.__getitem__, c_src),
            sa,
            map(T.amount_int.__getitem__, c_amt),
            map(operator.getitem, map(T.amount_suffix.__getitem__, c_amt), c_cent),
            sb,
            map(T.tags_ref.__getitem__, c_tags),
            msgs,
            itertools.repeat(END, B))))
        # ---- event_time offsets
        dts = list(map(T.dt.__getitem__, c_dt))
        return heads, tails, dts

    def timestamps(self, positions, total, dts):
        """Rendered event_time values for records at `positions` (record index or byte
        offset, ascending) out of `total`, with the per-record offsets `dts` (ms)."""
        T = self.T
        day, sod, ms = T.days, T.sec_of_day, T.millis
        lo = T0_MS + positions[0] * SPAN_MS // total + T.dt_min
        hi = T0_MS + positions[-1] * SPAN_MS // total + T.dt_max
        if lo >= T0_MS and hi < T_END_MS:                           # the usual case
            return [day[(x := T0_MS + p * SPAN_MS // total + d) // DAY_MS]
                    + sod[x % DAY_MS // 1000] + ms[x % 1000]
                    for p, d in zip(positions, dts)]
        # first/last batch: reflect times that fall outside the 30 days back inside
        t = [T0_MS + p * SPAN_MS // total + d for p, d in zip(positions, dts)]
        t = [T0_MS + (T0_MS - x) % 1000 if x < T0_MS else
             (T_END_MS - 1 - (x - T_END_MS) % 1000 if x >= T_END_MS else x) for x in t]
        return [day[x // DAY_MS] + sod[x % DAY_MS // 1000] + ms[x % 1000] for x in t]

    def run(self, out, rows=None, target_bytes=None):
        """Write records; return (records, bytes)."""
        n_done = 0
        offset = 0
        while True:
            if rows is not None and n_done >= rows:
                break
            if target_bytes is not None and offset >= target_bytes:
                break
            heads, tails, dts = self.batch()
            starts = list(itertools.accumulate(                        # len B + 1
                map(FIXED_LEN.__add__, map(len, tails)), initial=offset))
            if rows is not None:
                keep = min(BATCH, rows - n_done)
                positions = range(n_done, n_done + keep)
                if keep == 0:
                    break
                total = rows
            else:
                # first record whose end reaches the target is the last one
                keep = min(BATCH, bisect.bisect_left(starts, target_bytes, 1))
                positions = starts
                total = target_bytes
            ts = self.timestamps(positions[:keep], total, dts[:keep])
            out.write(b''.join(itertools.chain.from_iterable(
                zip(heads[:keep], ts, tails[:keep]))))
            n_done += keep
            offset = starts[keep]
        return n_done, offset


def generate(out, rows=None, target_bytes=None, seed=42):
    return Generator(seed).run(out, rows=rows, target_bytes=target_bytes)


def validate(path):
    import json
    n = 0
    with open(path, 'rb') as f:
        for n, line in enumerate(f, 1):
            if not line.endswith(b'\n'):
                raise ValueError('line %d: no newline at end' % n)
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise ValueError('line %d: not an object' % n)
    return n


def parse_mb(text):
    try:
        v = Decimal(text)
    except Exception:
        raise argparse.ArgumentTypeError('not a number: %r' % text)
    if not v.is_finite() or v < 0:
        raise argparse.ArgumentTypeError('--mb must be >= 0')
    b = v * 1_000_000
    return int(b) + (b != int(b))          # bytes, rounded up


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument('--rows', type=int, help='number of records')
    g.add_argument('--mb', type=parse_mb, metavar='M',
                   help='target size in decimal MB (10^6 bytes)')
    ap.add_argument('--seed', type=int, default=42)
    ap.add_argument('--out', required=True, help="output file, or '-' for stdout")
    ap.add_argument('--validate', action='store_true',
                    help='after writing, json.loads every line of the output file')
    a = ap.parse_args(argv)
    if a.rows is not None and a.rows < 0:
        ap.error('--rows must be >= 0')
    if a.validate and a.out == '-':
        ap.error('--validate needs a file (not --out -)')
    if a.out == '-':
        out = sys.stdout.buffer
        n, b = generate(out, rows=a.rows, target_bytes=a.mb, seed=a.seed)
        out.flush()
    else:
        with open(a.out, 'wb', buffering=1 << 22) as out:
            n, b = generate(out, rows=a.rows, target_bytes=a.mb, seed=a.seed)
    print('wrote %d records, %d bytes (%.1f bytes/record)' % (n, b, b / max(n, 1)),
          file=sys.stderr)
    if a.validate:
        print('validated %d lines' % validate(a.out), file=sys.stderr)


if __name__ == '__main__':
    main()

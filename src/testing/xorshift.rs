//! A small deterministic generator for property tests, so failures reproduce.

/// Marsaglia's xorshift64. Not for secrets: seeded by the test.
#[derive(Debug, Clone)]
pub struct XorShift(pub u64);

impl XorShift {
    /// The next 64 bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number in `0..n`; 0 when `n` is 0.
    pub fn below(&mut self, n: usize) -> usize {
        match u64::try_from(n) {
            Ok(n) if n > 0 => usize::try_from(self.next_u64() % n).unwrap_or(0),
            _ => 0,
        }
    }

    /// A fair coin.
    pub fn chance(&mut self) -> bool {
        self.next_u64() & 1 == 0
    }

    /// One of `items`, chosen uniformly; `""` when there are none.
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        let at = self.below(items.len());
        items.get(at).copied().unwrap_or_default()
    }
}

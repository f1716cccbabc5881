//! A small, fast hasher for the sender index.
//!
//! Sender keys are `TypeId`s (already uniformly distributed) or short names;
//! SipHash's DoS resistance buys nothing here and costs several nanoseconds on
//! every filtered send.

use std::hash::{BuildHasherDefault, Hasher};

#[derive(Default, Clone, Copy)]
pub(crate) struct FoldHasher(u64);

const MULTIPLIER: u64 = 0x9E37_79B9_7F4A_7C15;

impl Hasher for FoldHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.write_u64(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(MULTIPLIER);
    }

    fn write_u128(&mut self, n: u128) {
        #[allow(clippy::cast_possible_truncation)] // splitting into halves on purpose
        {
            self.write_u64(n as u64);
            self.write_u64((n >> 64) as u64);
        }
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

pub(crate) type BuildFoldHasher = BuildHasherDefault<FoldHasher>;

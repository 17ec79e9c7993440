//! A bounds-checked little-endian cursor over `&[u8]`. Every read returns
//! a [`FormatError`] instead of panicking; slices and strings borrow from
//! the input (zero copy, so it works directly on a memory map).

use crate::error::{FormatError, Result};

/// A position in a byte slice. `base` is the absolute offset of `data[0]` in
/// the artifact, so errors report file offsets.
#[derive(Clone, Debug)]
pub struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Cursor<'a> {
    /// A cursor over `data`, which starts at absolute offset `base`.
    pub fn new(data: &'a [u8], base: usize) -> Self {
        Self { data, pos: 0, base }
    }

    /// The absolute offset of the next byte.
    pub fn offset(&self) -> usize {
        self.base.saturating_add(self.pos)
    }

    /// True when every byte has been read.
    pub fn is_at_end(&self) -> bool {
        self.pos >= self.data.len()
    }

    /// An error at the current position.
    pub fn error(&self, message: &'static str) -> FormatError {
        FormatError::new(message, self.offset())
    }

    /// Reads `n` bytes.
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.data.len())
            .ok_or_else(|| self.error("unexpected end of section"))?;
        let out = &self.data[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let bytes = self.bytes(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    /// Reads a `u8`.
    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }

    /// Reads a little-endian `u16`.
    pub fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    /// Reads a little-endian `u32`.
    pub fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    /// Reads a little-endian `u64`.
    pub fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// Reads a `u8` that must be 0 or 1.
    pub fn bool(&mut self) -> Result<bool> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(FormatError::new("invalid boolean", self.offset() - 1)),
        }
    }

    /// Reads a count of items that each take at least `min_item_size` bytes,
    /// refusing counts the remaining input cannot hold (so a hostile count
    /// never makes the reader allocate).
    pub fn count(&mut self, min_item_size: usize) -> Result<usize> {
        let start = self.offset();
        let n = self.u32()? as usize;
        let remaining = self.data.len() - self.pos;
        if n.saturating_mul(min_item_size.max(1)) > remaining {
            return Err(FormatError::new("count larger than its section", start));
        }
        Ok(n)
    }

    /// Reads a `u32`-length-prefixed byte string.
    pub fn blob(&mut self) -> Result<&'a [u8]> {
        let len = self.u32()? as usize;
        self.bytes(len)
    }

    /// Reads a `u32`-length-prefixed UTF-8 string.
    pub fn str(&mut self) -> Result<&'a str> {
        let start = self.offset();
        let bytes = self.blob()?;
        std::str::from_utf8(bytes).map_err(|_| FormatError::new("string is not utf-8", start))
    }

    /// A string waot itself wrote for people to read (build records,
    /// never wasm names): UTF-8 without control characters, so a hostile
    /// artifact cannot put terminal escapes or line breaks into a message.
    pub fn text(&mut self) -> Result<&'a str> {
        let start = self.offset();
        let text = self.str()?;
        if text.chars().any(char::is_control) {
            return Err(FormatError::new(
                "build record string has control characters",
                start,
            ));
        }
        Ok(text)
    }

    /// The bytes not read yet.
    pub fn rest(&self) -> &'a [u8] {
        &self.data[self.pos.min(self.data.len())..]
    }

    /// Fails unless every byte has been read.
    pub fn finish(&self) -> Result<()> {
        if self.is_at_end() {
            Ok(())
        } else {
            Err(self.error("trailing bytes at the end of section"))
        }
    }
}

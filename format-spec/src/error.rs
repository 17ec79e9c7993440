//! The one error type of the artifact reader: a static message and the byte
//! offset at which the input stopped making sense.

use std::fmt;

/// A malformed artifact: what is wrong and where.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FormatError {
    /// What is wrong, lowercase, without the offset (for example
    /// "section extends past the end of the file").
    pub message: &'static str,
    /// Byte offset in the artifact where the fault was found.
    pub offset: usize,
}

impl FormatError {
    /// Creates an error for `message` at `offset`.
    pub const fn new(message: &'static str, offset: usize) -> Self {
        Self { message, offset }
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {})", self.message, self.offset)
    }
}

impl std::error::Error for FormatError {}

/// Shorthand for results of the reader.
pub type Result<T> = std::result::Result<T, FormatError>;

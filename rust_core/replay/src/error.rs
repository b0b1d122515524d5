//! The one error type of the crate: bad input, named by file, place and problem.

use core::fmt;

/// Where in a file a problem is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location {
    /// The file as a whole (it cannot be read, it is empty, it does not pair with another).
    File,
    /// A 1-based line of a text file.
    Line(u64),
    /// A 0-based byte offset in a binary file.
    Offset(u64),
}

/// Input that cannot be replayed: which file, where in it, and what is wrong.
///
/// Displays as `FILE: line N: PROBLEM` (text), `FILE: byte N: PROBLEM` (binary) or
/// `FILE: PROBLEM`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplayError {
    /// The file's name as the caller gave it (a zip member as `ZIP!MEMBER`).
    pub file: String,
    /// Where the problem is.
    pub at: Location,
    /// What is wrong, in words.
    pub problem: String,
}

impl ReplayError {
    /// A problem with a whole file.
    pub fn file(file: &str, problem: impl Into<String>) -> Self {
        ReplayError {
            file: file.to_owned(),
            at: Location::File,
            problem: problem.into(),
        }
    }

    /// A problem on a line (1-based).
    pub fn line(file: &str, line: u64, problem: impl Into<String>) -> Self {
        ReplayError {
            file: file.to_owned(),
            at: Location::Line(line),
            problem: problem.into(),
        }
    }

    /// A problem at a byte offset (0-based).
    pub fn offset(file: &str, offset: u64, problem: impl Into<String>) -> Self {
        ReplayError {
            file: file.to_owned(),
            at: Location::Offset(offset),
            problem: problem.into(),
        }
    }
}

impl fmt::Display for ReplayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.at {
            Location::File => write!(f, "{}: {}", self.file, self.problem),
            Location::Line(n) => write!(f, "{}: line {}: {}", self.file, n, self.problem),
            Location::Offset(n) => write!(f, "{}: byte {}: {}", self.file, n, self.problem),
        }
    }
}

impl std::error::Error for ReplayError {}

/// Reads a whole file, naming it in the error.
pub fn read_file(path: &std::path::Path) -> Result<Vec<u8>, ReplayError> {
    std::fs::read(path)
        .map_err(|e| ReplayError::file(&path.display().to_string(), format!("cannot read: {e}")))
}

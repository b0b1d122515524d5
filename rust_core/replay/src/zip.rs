//! A minimal zip reader: the central directory, stored and deflated members, CRC-32 checked.
//!
//! Enough for the LOBSTER sample archives (and any ordinary zip without ZIP64 or
//! encryption); anything else is a [`ReplayError`] naming the archive and the problem.

use crate::error::ReplayError;

/// One member of an archive, not yet decompressed.
#[derive(Clone, Debug)]
pub struct Member {
    /// The member's name inside the archive.
    pub name: String,
    method: u16,
    crc: u32,
    size: usize,
    data_at: usize,
    data_len: usize,
}

/// An archive held in memory, with its directory read.
#[derive(Debug)]
pub struct Zip {
    name: String,
    bytes: Vec<u8>,
    members: Vec<Member>,
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

const EOCD: u32 = 0x0605_4b50;
const CENTRAL: u32 = 0x0201_4b50;
const LOCAL: u32 = 0x0403_4b50;

impl Zip {
    /// Reads the directory of an archive (`name` is used in errors).
    pub fn new(name: &str, bytes: Vec<u8>) -> Result<Zip, ReplayError> {
        let bad = |p: &str| ReplayError::file(name, format!("not a readable zip archive: {p}"));
        // The end-of-central-directory record: 22 bytes plus a comment of up to 65535.
        let lo = bytes.len().saturating_sub(22 + 65_535);
        let eocd = (lo..=bytes.len().saturating_sub(22))
            .rev()
            .find(|&i| u32_at(&bytes, i) == Some(EOCD))
            .ok_or_else(|| bad("no end of central directory record"))?;
        let count = u16_at(&bytes, eocd + 10).ok_or_else(|| bad("short directory"))? as usize;
        let mut at = u32_at(&bytes, eocd + 16).ok_or_else(|| bad("short directory"))? as usize;
        let mut members = Vec::with_capacity(count);
        for i in 0..count {
            let field = |off: usize, w: usize| -> Result<usize, ReplayError> {
                let v = if w == 2 {
                    u16_at(&bytes, at + off).map(usize::from)
                } else {
                    u32_at(&bytes, at + off).map(|v| v as usize)
                };
                v.ok_or_else(|| bad(&format!("directory entry {i} is cut short")))
            };
            if field(0, 4)? != CENTRAL as usize {
                return Err(bad(&format!("directory entry {i} has a bad signature")));
            }
            let (flags, method) = (field(8, 2)?, field(10, 2)? as u16);
            let crc = field(16, 4)? as u32;
            let (csize, size) = (field(20, 4)?, field(24, 4)?);
            let (nlen, elen, clen) = (field(28, 2)?, field(30, 2)?, field(32, 2)?);
            let local = field(42, 4)?;
            let name_bytes = bytes
                .get(at + 46..at + 46 + nlen)
                .ok_or_else(|| bad(&format!("directory entry {i} is cut short")))?;
            let member = String::from_utf8_lossy(name_bytes).into_owned();
            if flags & 1 != 0 {
                return Err(bad(&format!("{member} is encrypted")));
            }
            if csize == 0xFFFF_FFFF || size == 0xFFFF_FFFF || local == 0xFFFF_FFFF {
                return Err(bad(&format!(
                    "{member} needs ZIP64, which is not supported"
                )));
            }
            if u32_at(&bytes, local) != Some(LOCAL) {
                return Err(bad(&format!("{member}: local header missing")));
            }
            let lh = (u16_at(&bytes, local + 26), u16_at(&bytes, local + 28));
            let (Some(ln), Some(le)) = lh else {
                return Err(bad(&format!("{member}: local header cut short")));
            };
            let data_at = local + 30 + ln as usize + le as usize;
            if data_at + csize > bytes.len() {
                return Err(bad(&format!(
                    "{member}: data cut short (truncated archive?)"
                )));
            }
            members.push(Member {
                name: member,
                method,
                crc,
                size,
                data_at,
                data_len: csize,
            });
            at += 46 + nlen + elen + clen;
        }
        Ok(Zip {
            name: name.to_owned(),
            bytes,
            members,
        })
    }

    /// The archive's name as given.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The members, in directory order.
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// Decompresses one member and checks its CRC-32.
    pub fn read(&self, m: &Member) -> Result<Vec<u8>, ReplayError> {
        let bad = |p: String| ReplayError::file(&format!("{}!{}", self.name, m.name), p);
        let data = &self.bytes[m.data_at..m.data_at + m.data_len];
        let out = match m.method {
            0 => data.to_vec(),
            8 => inflate(data, m.size).map_err(bad)?,
            other => return Err(bad(format!("compression method {other} is not supported"))),
        };
        if out.len() != m.size {
            return Err(bad(format!(
                "decompressed to {} bytes, the directory says {}",
                out.len(),
                m.size
            )));
        }
        if crc32(&out) != m.crc {
            return Err(bad("CRC-32 does not match: the archive is corrupt".into()));
        }
        Ok(out)
    }
}

impl Zip {
    /// Decompresses one member in pieces of about `chunk` bytes that end at a newline (the
    /// last may not), handing each to `sink` (which returns false to stop early); `fresh`
    /// supplies buffers (for reuse). The size and CRC-32 are checked at the end: an error
    /// then comes after the pieces already handed over.
    pub fn read_lines(
        &self,
        m: &Member,
        chunk: usize,
        mut fresh: impl FnMut() -> Vec<u8>,
        mut sink: impl FnMut(Vec<u8>) -> bool,
    ) -> Result<(), ReplayError> {
        use zlib_rs::{Inflate, InflateFlush, Status};
        let bad = |p: String| ReplayError::file(&format!("{}!{}", self.name, m.name), p);
        let data = &self.bytes[m.data_at..m.data_at + m.data_len];
        let mut inflate = match m.method {
            0 => None,
            8 => Some(Inflate::new(false, 15)),
            other => return Err(bad(format!("compression method {other} is not supported"))),
        };
        let (mut carry, mut crc, mut total, mut stored_at) = (Vec::new(), 0u32, 0usize, 0usize);
        loop {
            let mut buf = fresh();
            buf.clear();
            buf.append(&mut carry);
            let start = buf.len();
            buf.resize(start + chunk, 0);
            let (produced, end) = match inflate.as_mut() {
                None => {
                    let n = chunk.min(data.len() - stored_at);
                    buf[start..start + n].copy_from_slice(&data[stored_at..stored_at + n]);
                    stored_at += n;
                    (n, stored_at == data.len())
                }
                Some(inf) => {
                    let (i0, o0) = (inf.total_in() as usize, inf.total_out());
                    let status = inf
                        .decompress(
                            &data[i0.min(data.len())..],
                            &mut buf[start..],
                            InflateFlush::NoFlush,
                        )
                        .map_err(|e| bad(format!("corrupt deflate stream ({})", e.as_str())))?;
                    let produced = (inf.total_out() - o0) as usize;
                    let end = status == Status::StreamEnd;
                    if !end && produced == 0 && inf.total_in() as usize >= data.len() {
                        return Err(bad("the deflate stream is cut short".into()));
                    }
                    (produced, end)
                }
            };
            buf.truncate(start + produced);
            crc = zlib_rs::crc32::crc32(crc, &buf[start..]);
            total += produced;
            if total > m.size {
                return Err(bad(format!("inflates to more than {} bytes", m.size)));
            }
            if !end {
                match memchr::memrchr(b'\n', &buf) {
                    Some(i) => {
                        carry.extend_from_slice(&buf[i + 1..]);
                        buf.truncate(i + 1);
                    }
                    None => {
                        carry = buf; // no line end yet: read on
                        continue;
                    }
                }
            }
            if !buf.is_empty() && !sink(buf) {
                return Ok(());
            }
            if end {
                break;
            }
        }
        if total != m.size {
            return Err(bad(format!(
                "decompressed to {total} bytes, the directory says {}",
                m.size
            )));
        }
        if crc != m.crc {
            return Err(bad("CRC-32 does not match: the archive is corrupt".into()));
        }
        Ok(())
    }
}

/// Raw DEFLATE into a buffer of exactly `size` bytes.
fn inflate(data: &[u8], size: usize) -> Result<Vec<u8>, String> {
    use zlib_rs::{decompress_slice, InflateConfig, ReturnCode};
    // One byte more than expected, so that a stream longer than the directory says shows.
    let mut out = vec![0u8; size + 1];
    let (got, rc) = decompress_slice(&mut out, data, InflateConfig { window_bits: -15 });
    let n = got.len();
    match rc {
        ReturnCode::Ok if n <= size => {
            out.truncate(n);
            Ok(out)
        }
        ReturnCode::Ok | ReturnCode::BufError if n > size => {
            Err(format!("inflates to more than {size} bytes"))
        }
        ReturnCode::BufError => Err("the deflate stream is cut short".into()),
        rc => Err(format!("corrupt deflate stream ({rc:?})")),
    }
}

/// CRC-32 (IEEE, as zip uses).
pub fn crc32(data: &[u8]) -> u32 {
    zlib_rs::crc32::crc32(0, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stored (uncompressed) archive of the given members, as `zip -0` writes it.
    pub(crate) fn stored_zip(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut dir = Vec::new();
        for (name, data) in files {
            let off = out.len() as u32;
            let crc = crc32(data);
            let head = |sig: u32, v: &mut Vec<u8>| {
                v.extend_from_slice(&sig.to_le_bytes());
            };
            head(LOCAL, &mut out);
            out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            out.extend_from_slice(&crc.to_le_bytes());
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(data);
            head(CENTRAL, &mut dir);
            dir.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            dir.extend_from_slice(&crc.to_le_bytes());
            dir.extend_from_slice(&(data.len() as u32).to_le_bytes());
            dir.extend_from_slice(&(data.len() as u32).to_le_bytes());
            dir.extend_from_slice(&(name.len() as u16).to_le_bytes());
            dir.extend_from_slice(&[0; 12]);
            dir.extend_from_slice(&off.to_le_bytes());
            dir.extend_from_slice(name.as_bytes());
        }
        let dir_at = out.len() as u32;
        out.extend_from_slice(&dir);
        out.extend_from_slice(&EOCD.to_le_bytes());
        out.extend_from_slice(&[0, 0, 0, 0]);
        out.extend_from_slice(&(files.len() as u16).to_le_bytes());
        out.extend_from_slice(&(files.len() as u16).to_le_bytes());
        out.extend_from_slice(&(dir.len() as u32).to_le_bytes());
        out.extend_from_slice(&dir_at.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out
    }

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn reads_a_stored_archive_and_checks_crc() {
        let bytes = stored_zip(&[("a.csv", b"1,2\n"), ("b.txt", b"hello")]);
        let z = Zip::new("t.zip", bytes.clone()).unwrap();
        let names: Vec<&str> = z.members().iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["a.csv", "b.txt"]);
        assert_eq!(z.read(&z.members()[1]).unwrap(), b"hello");
        // Flip one data byte of b.txt: the CRC catches it.
        let mut bad = bytes;
        let pos = bad.windows(5).position(|w| w == b"hello").unwrap();
        bad[pos] = b'j';
        let z = Zip::new("t.zip", bad).unwrap();
        let e = z.read(&z.members()[1]).unwrap_err();
        assert_eq!(e.file, "t.zip!b.txt");
        assert!(e.problem.contains("CRC-32"), "{e}");
    }

    #[test]
    fn members_stream_in_pieces_that_end_at_newlines() {
        let text: Vec<u8> = (0..500)
            .flat_map(|i| format!("{i},{}\n", i * 7).into_bytes())
            .collect();
        let bytes = stored_zip(&[("a.csv", &text)]);
        let z = Zip::new("t.zip", bytes).unwrap();
        let mut pieces: Vec<Vec<u8>> = Vec::new();
        z.read_lines(&z.members()[0], 100, Vec::new, |p| {
            pieces.push(p);
            true
        })
        .unwrap();
        assert!(pieces.len() > 10);
        assert!(pieces.iter().all(|p| p.ends_with(b"\n")));
        assert_eq!(pieces.concat(), text);
    }

    #[test]
    fn a_truncated_archive_is_an_error_naming_it() {
        let bytes = stored_zip(&[("a.csv", b"1,2\n")]);
        let e = Zip::new("cut.zip", bytes[..bytes.len() / 2].to_vec()).unwrap_err();
        assert_eq!(e.file, "cut.zip");
        assert!(e.problem.contains("not a readable zip"), "{e}");
    }

    #[test]
    fn inflates_a_deflated_member() {
        let text = b"34200.1,1,5,100,2238100,1\n".repeat(50);
        let mut buf = vec![0u8; 4096];
        let cfg = zlib_rs::DeflateConfig {
            window_bits: -15,
            ..Default::default()
        };
        let (packed, rc) = zlib_rs::compress_slice(&mut buf, &text, cfg);
        assert_eq!(rc, zlib_rs::ReturnCode::Ok);
        let packed = packed.to_vec();
        assert_eq!(inflate(&packed, text.len()).unwrap(), text);
        assert!(inflate(&packed[..packed.len() / 2], text.len()).is_err());
    }
}

//! The byte arenas of the row store: each row's text back to back, row i at
//! `arena[at[i]..at[i + 1]]`.

/// A row's filter text: lowercased "description NUL", then "id NUL" when the id is not a
/// canonical UUID (those are matched from their 16 bytes, `uuid_match`).
/// No query contains NUL (sanitised input), so no match spans two fields or rows.
pub(super) fn push_hay(hay: &mut Vec<u8>, description: &str, other_id: Option<&str>) {
    push_lowercase(hay, description);
    hay.push(0);
    if let Some(id) = other_id {
        push_lowercase(hay, id);
        hay.push(0);
    }
}

/// ASCII text (nearly all of it) is lowercased in place, without a `String` of its own.
fn push_lowercase(hay: &mut Vec<u8>, text: &str) {
    if text.is_ascii() {
        hay.extend(text.bytes().map(|b| b.to_ascii_lowercase()));
    } else {
        hay.extend_from_slice(text.to_lowercase().as_bytes());
    }
}

/// Puts `new` in place of row `row`'s bytes in an arena and moves the later rows' offsets.
pub(super) fn splice<A: Arena>(arena: &mut A, at: &mut [usize], row: usize, new: &[u8]) {
    let (start, end) = (at[row], at[row + 1]);
    arena.put(start..end, new);
    for o in &mut at[row + 1..] {
        *o = *o - (end - start) + new.len();
    }
}

/// The two arenas: bytes, and text (whose rows are whole strings, so splicing keeps UTF-8).
pub(super) trait Arena {
    fn put(&mut self, range: std::ops::Range<usize>, new: &[u8]);
}

impl Arena for Vec<u8> {
    fn put(&mut self, range: std::ops::Range<usize>, new: &[u8]) {
        self.splice(range, new.iter().copied());
    }
}

impl Arena for String {
    fn put(&mut self, range: std::ops::Range<usize>, new: &[u8]) {
        self.replace_range(range, &String::from_utf8_lossy(new));
    }
}

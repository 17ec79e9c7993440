//! The text of an artifact (in the file, or detached) and what points
//! into it: function code, trampolines, the trap table, the exception
//! table and the stack maps, each checked against the text's bounds.

use super::parse::{SectionReader, inline_text};
use super::*;

/// The largest frame offset an exception-table record may hold: Cranelift
/// limits frames to 128 MiB.
const MAX_FRAME_OFFSET: u32 = 128 << 20;

/// The text (in the file, or detached) and what points into it: the
/// functions' code (checked to lie inside it), the trampolines, the trap
/// table, the exception table and the stack maps.
pub(super) struct Code<'a> {
    pub(super) text: SectionEntry<'a>,
    pub(super) detached_hash: Option<[u8; 32]>,
    pub(super) import_trampolines: Vec<u32>,
    pub(super) type_trampolines: Vec<(TypeIndex, u32)>,
    pub(super) traps: Traps<'a>,
    pub(super) handlers: Vec<HandlerEntry>,
    pub(super) stack_maps: crate::stack_maps::StackMaps<'a>,
}

/// Reads [`Code`], given the functions, the number of imported functions,
/// of types and of tags.
pub(super) fn parse_code<'a>(
    reader: &SectionReader<'_, 'a>,
    section_headers: std::ops::Range<usize>,
    text_align: u32,
    funcs: &[FuncInfo],
    imported_funcs: usize,
    num_types: usize,
    num_tags: u64,
) -> Result<Code<'a>> {
    // The text: in the file, or detached (format 2.14: the metadata of
    // a `waot compile --emit object` object, whose code is linked into
    // the host program) with only its length recorded here.
    let detached = match reader.optional(section::DETACHED_TEXT)? {
        Some(mut c) => {
            let at = c.offset();
            let len = usize::try_from(c.u64()?)
                .ok()
                .filter(|&l| l <= u32::MAX as usize)
                .ok_or(FormatError::new("detached text length out of range", at))?;
            let hash: [u8; 32] = c
                .bytes(32)?
                .try_into()
                .map_err(|_| FormatError::new("detached text hash cut short", at))?;
            if reader.entry(section::TEXT).is_some() {
                return Err(FormatError::new(
                    "an artifact has either a text section or a detached text, not both",
                    at,
                ));
            }
            Some((len, hash))
        }
        None => None,
    };
    let text = match detached {
        Some((size, _)) => SectionEntry {
            name: section::TEXT,
            required: true,
            offset: 0,
            size,
            header_at: 0,
        },
        None => inline_text(reader, reader.sections, section_headers, text_align)?,
    };
    let in_text = |offset: u32, len: u32| {
        (offset as usize)
            .checked_add(len as usize)
            .is_some_and(|end| end <= text.size)
    };
    let fc = reader.required(section::FUNCTIONS)?;
    for f in funcs {
        let entry_ok = f.array_entry_offset == crate::types::NO_ARRAY_ENTRY
            || in_text(f.array_entry_offset, 1);
        if !in_text(f.body_offset, f.body_len) || !entry_ok {
            return Err(fc.error("function code outside the text section"));
        }
    }
    let mut tc = reader.required(section::IMPORT_TRAMPOLINES)?;
    let import_trampolines = decode_list(&mut tc, 4, |c| c.u32())?;
    if import_trampolines.len() != imported_funcs
        || !import_trampolines.iter().all(|&o| in_text(o, 1))
    {
        return Err(tc.error("import trampolines do not match the imported functions"));
    }
    let type_trampolines = match reader.optional(section::TYPE_TRAMPOLINES)? {
        Some(mut c) => {
            let list = decode_list(&mut c, 8, |c| Ok((TypeIndex(c.u32()?), c.u32()?)))?;
            let increasing = list.windows(2).all(|w| w[0].0.0 < w[1].0.0);
            let valid = list
                .iter()
                .all(|(t, o)| t.index() < num_types && in_text(*o, 1));
            if !increasing || !valid {
                return Err(
                    c.error("type trampolines out of order, of unknown types or outside the text")
                );
            }
            list
        }
        None => Vec::new(),
    };
    let trampolines = crate::symbols::trampoline_offsets(&import_trampolines, &type_trampolines);
    check_code_layout(funcs, &trampolines, fc.offset())?;

    let traps = match reader.optional(section::TRAP_BLOCKS)? {
        Some(blocks) => Traps::Blocks(TrapTable::parse(blocks, text.size)?),
        None => Traps::Columns(TrapColumns::parse(
            reader.required(section::TRAPS)?,
            text.size,
        )?),
    };
    let handlers = match reader.optional(section::EXCEPTION_TABLE)? {
        Some(c) => check_handlers(c, funcs, &trampolines, num_tags, text.size)?,
        None => Vec::new(),
    };
    let stack_maps = match reader.entry(section::STACK_MAPS) {
        Some(s) => {
            crate::stack_maps::StackMaps::parse(&reader.bytes[s.range()], s.offset, text.size)?
        }
        None => crate::stack_maps::StackMaps::default(),
    };
    Ok(Code {
        text,
        detached_hash: detached.map(|(_, hash)| hash),
        import_trampolines,
        type_trampolines,
        traps,
        handlers,
        stack_maps,
    })
}

/// Reads and checks the exception table (format 2.2): records sorted by
/// strictly increasing return offset; each call and its handlers inside
/// the same piece of code (an array entry for the records that catch
/// traps, a function body for the others); tags in range; the frame
/// offset a multiple of 8 and at most [`MAX_FRAME_OFFSET`], the VM
/// context's slot inside the frame.
fn check_handlers(
    mut c: Cursor<'_>,
    funcs: &[FuncInfo],
    import_trampolines: &[u32],
    num_tags: u64,
    text_len: usize,
) -> Result<Vec<HandlerEntry>> {
    let mut starts: Vec<u32> = funcs
        .iter()
        .flat_map(|f| [f.body_offset, f.array_entry_offset])
        .chain(import_trampolines.iter().copied())
        .filter(|&o| o != NO_ARRAY_ENTRY)
        .collect();
    starts.sort_unstable();
    let mut entries: Vec<u32> = funcs
        .iter()
        .map(|f| f.array_entry_offset)
        .filter(|&o| o != NO_ARRAY_ENTRY)
        .collect();
    entries.sort_unstable();
    // The piece of code (by its start) holding text offset `o`.
    let piece = |o: u32| {
        starts
            .partition_point(|&s| s <= o)
            .checked_sub(1)
            .map(|i| starts[i])
    };
    let is_body = |p: u32| funcs.iter().any(|f| f.body_offset == p);
    let mut previous = None;
    decode_list(&mut c, 17, |c| {
        let at = c.offset();
        let return_offset = c.u32()?;
        let frame_offset = c.u32()?;
        let vmctx_sp_offset = match c.u32()? {
            u32::MAX => None,
            o => Some(o),
        };
        let catches_traps = c.bool()?;
        let count = c.count(8)?;
        let mut handlers = Vec::with_capacity(count);
        for _ in 0..count {
            let tag = match c.u32()? {
                u32::MAX => None,
                t if u64::from(t) < num_tags => Some(TagIndex(t)),
                _ => return Err(c.error("exception handler tag out of range")),
            };
            handlers.push((tag, c.u32()?));
        }
        let call = return_offset.checked_sub(1).and_then(piece);
        let right_piece = call.is_some_and(|p| {
            if catches_traps {
                entries.binary_search(&p).is_ok()
            } else {
                is_body(p)
            }
        });
        let ok = previous.is_none_or(|p| p < return_offset)
            && return_offset as usize <= text_len
            && right_piece
            && !handlers.is_empty()
            && handlers
                .iter()
                .all(|&(_, h)| (h as usize) < text_len && piece(h) == call)
            && (!catches_traps || handlers == [(None, handlers[0].1)])
            && frame_offset.is_multiple_of(8)
            && frame_offset <= MAX_FRAME_OFFSET
            && vmctx_sp_offset.is_none_or(|o| o.is_multiple_of(8) && o < frame_offset)
            && (vmctx_sp_offset.is_some() || handlers.iter().all(|(t, _)| t.is_none()));
        if !ok {
            return Err(FormatError::new(
                "exception table record is out of order or does not match the code",
                at,
            ));
        }
        previous = Some(return_offset);
        Ok(HandlerEntry {
            return_offset,
            frame_offset,
            vmctx_sp_offset,
            catches_traps,
            handlers,
        })
    })
}

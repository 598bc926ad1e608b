//! The parser on arbitrary UTF-8: it never panics, printing the tree gives the input back byte
//! for byte, the items tile the input, and every position it reports lies inside the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use restage::syntax::{self, Item};

fuzz_target!(|text: &str| {
    let df = syntax::parse(text);
    assert_eq!(df.to_string(), text, "round trip");

    let mut at = 0;
    for item in &df.items {
        let range = item.range();
        assert_eq!(range.start, at, "items tile the input: gap or overlap");
        assert!(range.end >= range.start);
        at = range.end;
        if let Item::Instruction { index, .. } = item {
            assert!((*index as usize) < df.instructions.len());
        }
    }
    assert_eq!(at, text.len(), "items cover the whole input");

    let lines = text.split('\n').count();
    for inst in &df.instructions {
        assert!(text.is_char_boundary(inst.range().start));
        assert!(text.is_char_boundary(inst.range().end));
        assert!(inst.start_line() >= 1 && inst.start_line() <= inst.end_line());
        assert!(
            inst.end_line() <= lines,
            "end line {} of {lines}",
            inst.end_line()
        );
        // The typed views must not panic either.
        let _ = (inst.exec_args(), inst.shell_command(), inst.from_image());
        let _ = (inst.stage_name(), inst.key_values());
        for flag in inst.flags() {
            let _ = flag.to_buildkit();
        }
    }
    for err in &df.errors {
        assert!(
            err.line >= 1 && err.line <= lines,
            "error line {} of {lines}",
            err.line
        );
        assert!(err.col >= 1);
    }
});

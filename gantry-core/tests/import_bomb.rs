//! A ChatGPT export is read without building what the import does not use: a file padded
//! with 32 MiB of numbers (two bytes of JSON each, 32 bytes each as a parsed tree) costs
//! a few MiB, not the gigabytes a tree would, and its real conversation still imports.
#![allow(clippy::unwrap_used, clippy::panic)]

use gantry_core::export::parse_chatgpt;
use gantry_test::alloc::{self, Counting};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[test]
fn padding_the_file_costs_no_memory_of_its_own() {
    let conversation = r#"{"title":"Plants","current_node":"b","mapping":{
        "a":{"message":{"author":{"role":"user"},"content":{"content_type":"text","parts":["How often do I water basil?"]}},"parent":null,"children":["b"]},
        "b":{"message":{"author":{"role":"assistant"},"content":{"content_type":"text","parts":["Every other day.", {"asset_pointer":"image"}]}},"parent":"a","children":[]}
    },"padding":["#;
    let mut file = String::with_capacity(34 << 20);
    file.push('[');
    file.push_str(conversation);
    while file.len() < 32 << 20 {
        file.push_str("0,");
    }
    file.push_str("0]},{\"mapping\":{},\"x\":[");
    while file.len() < 33 << 20 {
        file.push_str("1,");
    }
    file.push_str("1]}]");
    let bytes = file.into_bytes();

    let before = alloc::live();
    alloc::reset_peak();
    let import = parse_chatgpt(&bytes).unwrap();
    let peak = alloc::peak() - before;

    assert_eq!(import.conversations.len(), 1);
    let messages = &import.conversations[0].messages;
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[1].content, "Every other day.");
    assert_eq!(
        import.skipped.len(),
        1,
        "the empty one is listed as skipped"
    );
    assert!(
        peak < 4 << 20,
        "reading {} MiB of padding took {} KiB",
        bytes.len() >> 20,
        peak >> 10
    );
}

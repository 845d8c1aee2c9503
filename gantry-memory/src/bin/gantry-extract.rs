//! `gantry-extract`: reads one uploaded file in a separate, resource-limited process, for
//! programs that embed Gantry without serving as their own reading process. Gantry starts
//! it itself; it is not meant to be run by hand.

fn main() {
    gantry_memory::serve_reader_if_asked();
    eprintln!(
        "{}: Gantry starts this program itself to read uploaded files",
        gantry_memory::READER_PROGRAM
    );
    std::process::exit(2);
}

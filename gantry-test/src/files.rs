//! Files built for tests: small valid PDFs, and hostile ones (a stream that inflates
//! without end, a form that draws itself), written object by object with a correct
//! cross-reference table.

/// A PDF whose objects (numbered from 1, object 1 the catalog) are `objects`' bodies.
pub fn pdf_of(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// A stream object: `dict` entries (without `/Length`) and its raw bytes.
fn stream(dict: &str, bytes: &[u8]) -> Vec<u8> {
    let mut out = format!("<< {dict} /Length {} >>\nstream\n", bytes.len()).into_bytes();
    out.extend_from_slice(bytes);
    out.extend_from_slice(b"\nendstream");
    out
}

/// Catalog, page tree, one page with `page` entries, and Helvetica as `/F1`.
fn one_page(page: &str, more: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] {page} >>").into_bytes(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_vec(),
    ];
    objects.extend(more);
    objects
}

/// A one-page PDF showing each line in Helvetica.
pub fn text_pdf(lines: &[&str]) -> Vec<u8> {
    let mut content = String::from("BT /F1 18 Tf 72 720 Td 22 TL\n");
    for line in lines {
        content.push_str(&format!("({line}) Tj T*\n"));
    }
    content.push_str("ET\n");
    pdf_of(&one_page(
        "/Contents 5 0 R /Resources << /Font << /F1 4 0 R >> >>",
        vec![stream("", content.as_bytes())],
    ))
}

/// A PDF of several pages, each showing its lines in Helvetica (a page with no lines is
/// a page without text).
pub fn paged_pdf(pages: &[&[&str]]) -> Vec<u8> {
    // 1 catalog, 2 page tree, 3 font, then a page and its content stream per page.
    let page_ids: Vec<usize> = (0..pages.len()).map(|i| 4 + 2 * i).collect();
    let kids: Vec<String> = page_ids.iter().map(|id| format!("{id} 0 R")).collect();
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            kids.join(" "),
            pages.len()
        )
        .into_bytes(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_vec(),
    ];
    for (lines, id) in pages.iter().zip(&page_ids) {
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {} 0 R \
                 /Resources << /Font << /F1 3 0 R >> >> >>",
                id + 1
            )
            .into_bytes(),
        );
        let mut content = String::from("BT /F1 12 Tf 72 720 Td 16 TL\n");
        for line in *lines {
            content.push_str(&format!("({line}) Tj T*\n"));
        }
        content.push_str("ET\n");
        objects.push(stream("", content.as_bytes()));
    }
    pdf_of(&objects)
}

/// A PDF of a few KiB per inflated MiB whose page content is a Flate stream that
/// inflates to `mib` MiB of zero bytes (whitespace to a PDF reader).
pub fn inflating_pdf(mib: usize) -> Vec<u8> {
    pdf_of(&one_page(
        "/Contents 5 0 R /Resources << /Font << /F1 4 0 R >> >>",
        vec![stream("/Filter /FlateDecode", &zeros_zlib(mib))],
    ))
}

/// A PDF whose page draws a form that draws itself, without end.
pub fn self_drawing_pdf() -> Vec<u8> {
    pdf_of(&one_page(
        "/Contents 5 0 R /Resources << /Font << /F1 4 0 R >> /XObject << /X0 6 0 R >> >>",
        vec![
            stream("", b"BT /F1 12 Tf 72 720 Td (start) Tj ET /X0 Do"),
            stream(
                "/Type /XObject /Subtype /Form /BBox [0 0 612 792]",
                b"BT /F1 12 Tf 72 700 Td (again) Tj ET /X0 Do",
            ),
        ],
    ))
}

/// A zlib stream of `mib` MiB of zero bytes, built without compressing them all: one MiB
/// compressed with a sync flush ends on a byte boundary, so its blocks can be repeated;
/// then an empty final block and the checksum (Adler-32 of zeros: `a` stays 1, `b` is the
/// length).
fn zeros_zlib(mib: usize) -> Vec<u8> {
    use miniz_oxide::deflate::core::{
        CompressorOxide, TDEFLFlush, TDEFLStatus, compress, create_comp_flags_from_zip_params,
    };
    let mut compressor = CompressorOxide::new(create_comp_flags_from_zip_params(1, 0, 0));
    let zeros = vec![0u8; 1 << 20];
    let mut block = vec![0u8; 64 * 1024];
    let (status, read, written) = compress(&mut compressor, &zeros, &mut block, TDEFLFlush::Sync);
    assert_eq!(status, TDEFLStatus::Okay);
    assert_eq!(read, zeros.len());
    block.truncate(written);
    let mut out = vec![0x78, 0x01];
    for _ in 0..mib {
        out.extend_from_slice(&block);
    }
    // A final fixed-Huffman block holding only its end code.
    out.extend_from_slice(&[0x03, 0x00]);
    let b = ((mib as u64) << 20) % 65_521;
    out.extend_from_slice(&(((b << 16) | 1) as u32).to_be_bytes());
    out
}

/// A PDF whose page is its own parent and lacks a media box, so a reader looking for an
/// inherited one climbs without end.
pub fn parent_loop_pdf() -> Vec<u8> {
    pdf_of(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 3 0 R /Contents 5 0 R /Resources << /Font << /F1 4 0 R >> >> >>"
            .to_vec(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_vec(),
        stream("", b"BT /F1 12 Tf 72 720 Td (loop) Tj ET"),
    ])
}

//! PDF documents for the pdf_input feature: a one-page PDF made by the test
//! (lines of text in a standard font), and the simulator's way of reading one
//! (the text of every page, extracted with `lopdf` as a real model's PDF
//! support extracts it).

use lopdf::content::{Content, Operation};
use lopdf::{Document, Object, Stream, dictionary};

/// A one-page PDF whose text is `lines`, one line each, in Helvetica.
pub fn pdf_with_text(lines: &[&str]) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type1",
        "BaseFont" => "Helvetica",
    });
    let resources_id = doc.add_object(dictionary! {
        "Font" => dictionary! { "F1" => font_id },
    });
    let mut operations = vec![
        Operation::new("BT", vec![]),
        Operation::new("Tf", vec!["F1".into(), 14.into()]),
        Operation::new("TL", vec![20.into()]),
        Operation::new("Td", vec![72.into(), 720.into()]),
    ];
    for line in lines {
        operations.push(Operation::new("Tj", vec![Object::string_literal(*line)]));
        operations.push(Operation::new("T*", vec![]));
    }
    operations.push(Operation::new("ET", vec![]));
    let content = Content { operations };
    let content_id = doc.add_object(Stream::new(
        dictionary! {},
        content.encode().expect("PDF content operations encode"),
    ));
    let page_id = doc.add_object(dictionary! {
        "Type" => "Page",
        "Parent" => pages_id,
        "Contents" => content_id,
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => vec![page_id.into()],
            "Count" => 1,
            "Resources" => resources_id,
            "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
        }),
    );
    let catalog_id = doc.add_object(dictionary! {
        "Type" => "Catalog",
        "Pages" => pages_id,
    });
    doc.trailer.set("Root", catalog_id);
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("writing a PDF to memory");
    out
}

/// The text of every page of a PDF, in page order.
pub fn pdf_text(data: &[u8]) -> Result<String, String> {
    let doc = Document::load_mem(data).map_err(|e| format!("not a readable PDF: {e}"))?;
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    if pages.is_empty() {
        return Err("the PDF has no pages".into());
    }
    doc.extract_text(&pages)
        .map_err(|e| format!("cannot extract the PDF's text: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_written_is_text_read() {
        let pdf = pdf_with_text(&["Quarterly report", "The code is pdf-7f3a9c"]);
        assert!(pdf.starts_with(b"%PDF-1.5"));
        let text = pdf_text(&pdf).unwrap();
        assert!(text.contains("The code is pdf-7f3a9c"), "{text:?}");
        assert!(text.contains("Quarterly report"), "{text:?}");
    }

    #[test]
    fn garbage_is_refused() {
        assert!(pdf_text(b"not a pdf").is_err());
    }
}

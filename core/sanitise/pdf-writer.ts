// A minimal PDF writer, for the documents the broker rebuilds from pixels: a catalog, a page tree
// and, per page, one image drawn over the whole page. Pure, and written here rather than taken from
// a library so that what crosses is exactly this: no fonts, text, scripts, actions, annotations,
// forms, attachments, outlines or metadata can be in the output, because nothing here writes them.

export interface PdfPage {
  /** A baseline JPEG of the page (DCTDecode), width × height pixels. */
  jpeg: Uint8Array;
  width: number;
  height: number;
  /** 1: DeviceGray, 3: DeviceRGB. */
  channels: 1 | 3;
  /** The page's size in points (1/72 inch). */
  widthPt: number;
  heightPt: number;
}

/** A number as PDF writes it: at most three decimals, no exponent. */
function num(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`not a PDF number: ${n}`);
  return String(Math.round(n * 1000) / 1000);
}

export class PdfWriter {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private readonly offsets: number[] = [];
  private readonly pageIds: number[] = [];
  // 1: catalog, 2: page tree; pages from 3 on, three objects each.
  private next = 3;

  constructor() {
    // The comment of high bytes tells tools the file is binary.
    this.write(Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1'));
  }

  /** Bytes written so far: the caller checks its byte limit as pages come. */
  get bytes(): number {
    return this.size;
  }

  addPage(page: PdfPage): void {
    const [pageId, contentId, imageId] = [this.next, this.next + 1, this.next + 2];
    this.next += 3;
    const w = num(page.widthPt);
    const h = num(page.heightPt);
    this.object(
      pageId,
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${w} ${h}] /Resources << /XObject << /P ${imageId} 0 R >> >> /Contents ${contentId} 0 R >>`,
    );
    this.stream(contentId, '', Buffer.from(`q ${w} 0 0 ${h} 0 0 cm /P Do Q\n`, 'latin1'));
    const space = page.channels === 1 ? '/DeviceGray' : '/DeviceRGB';
    this.stream(
      imageId,
      `/Type /XObject /Subtype /Image /Width ${page.width} /Height ${page.height} /ColorSpace ${space} /BitsPerComponent 8 /Filter /DCTDecode`,
      Buffer.from(page.jpeg.buffer, page.jpeg.byteOffset, page.jpeg.byteLength),
    );
    this.pageIds.push(pageId);
  }

  /** The whole file: the page tree, the catalog, the cross-reference table and the trailer. */
  finish(): Uint8Array {
    const kids = this.pageIds.map((id) => `${id} 0 R`).join(' ');
    this.object(2, `<< /Type /Pages /Kids [${kids}] /Count ${this.pageIds.length} >>`);
    this.object(1, '<< /Type /Catalog /Pages 2 0 R >>');
    const xref = this.size;
    const count = this.next;
    let table = `xref\n0 ${count}\n0000000000 65535 f \n`;
    for (let id = 1; id < count; id++) {
      const offset = this.offsets[id];
      if (offset === undefined) throw new Error(`object ${id} was never written`);
      table += `${String(offset).padStart(10, '0')} 00000 n \n`;
    }
    table += `trailer\n<< /Size ${count} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
    this.write(Buffer.from(table, 'latin1'));
    return new Uint8Array(Buffer.concat(this.chunks, this.size));
  }

  private object(id: number, body: string): void {
    this.offsets[id] = this.size;
    this.write(Buffer.from(`${id} 0 obj\n${body}\nendobj\n`, 'latin1'));
  }

  private stream(id: number, dict: string, data: Buffer): void {
    this.offsets[id] = this.size;
    const head = `${id} 0 obj\n<< ${dict}${dict ? ' ' : ''}/Length ${data.length} >>\nstream\n`;
    this.write(Buffer.from(head, 'latin1'));
    this.write(data);
    this.write(Buffer.from('\nendstream\nendobj\n', 'latin1'));
  }

  private write(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
  }
}

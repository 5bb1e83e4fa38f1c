/**
 * The CSV that spreadsheets read and write (RFC 4180): comma-separated, fields with commas,
 * quotes or line breaks in double quotes, a quote inside doubled. Each record keeps the line
 * it starts on, so an import's errors can point at the spreadsheet's row.
 */

export interface CsvRecord {
  /** 1-based line of the file where the record starts. */
  line: number;
  fields: string[];
}

/** The file is not CSV at `line` (an unclosed quote, text after a closing quote…). */
export class CsvSyntaxError extends Error {
  override name = "CsvSyntaxError";
  constructor(readonly line: number, message: string) {
    super(`line ${line}: ${message}`);
  }
}

/**
 * Every record of `text`, blank lines skipped. Accepts LF, CRLF or CR line ends and a
 * leading byte-order mark (Excel's "CSV UTF-8").
 */
export function parseCsv(text: string): CsvRecord[] {
  const src = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let line = 1;
  let recordLine = 1;
  let fields: string[] = [];
  let field = "";
  /** The current field was quoted (so `""` is a field, and nothing may follow its quote). */
  let quoted = false;
  let i = 0;
  const endField = () => {
    fields.push(field);
    field = "";
    quoted = false;
  };
  const endRecord = () => {
    endField();
    if (fields.length > 1 || fields[0] !== "") records.push({ line: recordLine, fields });
    fields = [];
  };
  const lineBreakAt = (at: number) =>
    src[at] === "\r" && src[at + 1] === "\n" ? 2 : src[at] === "\n" || src[at] === "\r" ? 1 : 0;

  while (i < src.length) {
    const br = lineBreakAt(i);
    if (br) {
      endRecord();
      i += br;
      line++;
      recordLine = line;
    } else if (src[i] === ",") {
      endField();
      i++;
    } else if (quoted) {
      throw new CsvSyntaxError(line, "text after a closing quote (double a quote inside quotes)");
    } else if (src[i] === '"' && field === "") {
      const startLine = line;
      quoted = true;
      i++;
      for (;;) {
        if (i >= src.length) throw new CsvSyntaxError(startLine, "a quoted field is never closed");
        if (src[i] === '"') {
          if (src[i + 1] !== '"') break;
          field += '"';
          i += 2;
          continue;
        }
        const inner = lineBreakAt(i);
        if (inner) line++;
        field += src.slice(i, i + Math.max(1, inner));
        i += Math.max(1, inner);
      }
      i++;
    } else if (src[i] === '"') {
      throw new CsvSyntaxError(line, "a quote inside an unquoted field (quote the whole field)");
    } else {
      field += src[i++];
    }
  }
  if (field !== "" || quoted || fields.length > 0) endRecord();
  return records;
}

/** One CSV file: a header and rows, fields quoted where needed, LF line ends. */
export function toCsv(rows: readonly (readonly string[])[]): string {
  return rows.map((row) => row.map(quoteField).join(",")).join("\n") + "\n";
}

function quoteField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

import { ApiError } from '../api';

/** "body.workspace.timeZone" → "Time zone"; "body.items.2.name" → "Name (item 3)". */
export function fieldLabel(path: string): string {
  const parts = path.split('.').filter((p) => !['body', 'querystring', 'params', 'headers'].includes(p));
  let last = parts.pop() ?? path;
  let index = '';
  if (/^\d+$/.test(last) && parts.length) {
    index = ` (${parts[parts.length - 1].replace(/s$/, '')} ${Number(last) + 1})`;
    last = parts.pop()!;
  }
  const words = last
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase()
    .trim();
  return (words.charAt(0).toUpperCase() + words.slice(1) || path) + index;
}

/** "Time zone is not a known IANA time zone"; "Name: Too small: …" when the message is a sentence of its own. */
function describe(field: string, message: string): string {
  return /^[a-z]/.test(message) ? `${fieldLabel(field)} ${message}` : `${fieldLabel(field)}: ${message}`;
}

export function FormError({ error }: { error: unknown }) {
  if (!error) return null;
  const fields = error instanceof ApiError ? error.fields : [];
  if (fields.length > 0) {
    // Validation: name each field in words, with its own message (the server's one-line summary
    // repeats only the first field's message).
    return (
      <div className="error" role="alert">
        {fields.length === 1 ? (
          <>{describe(fields[0].field, fields[0].message)}</>
        ) : (
          <>
            Please check these fields:
            <ul>
              {fields.map((f) => (
                <li key={f.field}>{describe(f.field, f.message)}</li>
              ))}
            </ul>
          </>
        )}
      </div>
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div className="error" role="alert">
      {message}
    </div>
  );
}

/**
 * Which fields hold secret material, so that no message, source line or report echoes their
 * value. References (`valueFrom`, `secretKeyRef`) name where a secret is and are shown.
 */

/** Field names that carry secret material (`password`, `token`, `apiKey`, `client_secret`, ...). */
const SECRET_FIELD =
  /passw|passphrase|secret|token|api[-_]?key|credential|private[-_]?key|authorization|cookie/i;

/** True when a field of this name holds secret material. */
export function isSecretField(name: string): boolean {
  return SECRET_FIELD.test(name) && !isReferenceField(name);
}

function isReferenceField(name: string): boolean {
  return name === 'valueFrom' || name.endsWith('Ref');
}

/** True when a field path leads to secret material (and not merely to a reference to it). */
export function isSecretPath(path: readonly (string | number)[]): boolean {
  if (path.some((segment) => typeof segment === 'string' && isReferenceField(segment))) return false;
  return path.some(
    (segment, i) =>
      typeof segment === 'string' && (isSecretField(segment) || (segment === 'key' && path[i - 1] === 'tls')),
  );
}

/** {@link isSecretPath} for a formatted path such as `spec.http.auth.basic.password`. */
export function isSecretPathText(path: string): boolean {
  const segments = path.split(/[.[\]"]+/).filter((s) => s !== '');
  return isSecretPath(segments);
}

// `scheme://user:password@host`: the userinfo of a URL, wherever it appears in a text.
const URL_USERINFO = /([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#@\s]*@/g;

/** `text` with the userinfo of every URL in it replaced by `***`: messages never echo a password. */
export function redactUrlUserinfo(text: string): string {
  return text.replace(URL_USERINFO, '$1***@');
}

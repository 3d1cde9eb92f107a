// AWS Signature Version 4 with WebCrypto, for the service execute-api: what botocore's SigV4Auth computes.

const encoder = new TextEncoder();

function hex(buffer) {
  return [...new Uint8Array(buffer)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

async function sha256(data) {
  return hex(await crypto.subtle.digest("SHA-256", typeof data === "string" ? encoder.encode(data) : data));
}

async function hmac(key, data) {
  const raw = typeof key === "string" ? encoder.encode(key) : key;
  const cryptoKey = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return crypto.subtle.sign("HMAC", cryptoKey, encoder.encode(data));
}

/** RFC 3986 encoding, as SigV4's canonical query wants it. */
export function encodeRfc3986(value) {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The query string to send and to sign: pairs encoded and sorted. */
export function canonicalQuery(pairs) {
  return pairs
    .map(([key, value]) => [encodeRfc3986(key), encodeRfc3986(value)])
    .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0) : a[0] < b[0] ? -1 : 1))
    .map(([key, value]) => `${key}=${value}`)
    .join("&");
}

/**
 * Headers that sign a request: {authorization, "x-amz-date", "x-amz-security-token"?}.
 * `credentials`: {accessKeyId, secretAccessKey, sessionToken?}; `query` as canonicalQuery made it.
 */
export async function signHeaders({ method, host, path, query, body, region, credentials, now = new Date() }) {
  const amzDate = now.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
  const day = amzDate.slice(0, 8);
  const headers = { host, "x-amz-date": amzDate };
  if (credentials.sessionToken) headers["x-amz-security-token"] = credentials.sessionToken;
  const names = Object.keys(headers).sort();
  const canonicalPath = path.split("/").map((segment) => encodeRfc3986(decodeURIComponent(segment))).join("/");
  const canonical = [
    method,
    canonicalPath,
    query,
    names.map((name) => `${name}:${headers[name]}\n`).join(""),
    names.join(";"),
    await sha256(body || ""),
  ].join("\n");
  const scope = `${day}/${region}/execute-api/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, await sha256(canonical)].join("\n");
  let key = await hmac(`AWS4${credentials.secretAccessKey}`, day);
  for (const part of [region, "execute-api", "aws4_request"]) key = await hmac(key, part);
  const signature = hex(await hmac(key, toSign));
  const result = {
    authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, ` +
      `SignedHeaders=${names.join(";")}, Signature=${signature}`,
    "x-amz-date": amzDate,
  };
  if (credentials.sessionToken) result["x-amz-security-token"] = credentials.sessionToken;
  return result;
}

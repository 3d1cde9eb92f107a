// The registry's HTTP API, as the signed-in principal: one function per call shape, errors as ApiError.
import { canonicalQuery, signHeaders } from "./sigv4.js";

export const MLFLOW = "/api/2.0/mlflow";
export const SMR = "/api/2.0/smr";

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// How requests are authenticated: "cookie" (make run's session; the server signs), "keys" / "cognito" (the browser
// signs with SigV4), "open" (a --no-auth server). Credentials live in memory and sessionStorage only.
const auth = { mode: "signin", region: "us-east-1", credentials: null, user: "" };

export function authState() {
  return { ...auth, credentials: auth.credentials ? { accessKeyId: auth.credentials.accessKeyId } : null };
}

export function useCookie(user, region) {
  Object.assign(auth, { mode: "cookie", user, region, credentials: null });
}

export function useOpen() {
  Object.assign(auth, { mode: "open", user: "", credentials: null });
}

export function useCredentials(mode, credentials, region, user) {
  Object.assign(auth, { mode, credentials, region, user });
}

function pairs(params) {
  const result = [];
  for (const [key, value] of Object.entries(params || {})) {
    if (value === undefined || value === null || value === "") continue;
    for (const item of Array.isArray(value) ? value : [value]) result.push([key, String(item)]);
  }
  return result;
}

/** One request: GET params go to the query, other methods' to a JSON body (MLflow's convention). */
export async function call(method, path, params = {}) {
  const query = method === "GET" ? canonicalQuery(pairs(params)) : "";
  const body = method === "GET" ? "" : JSON.stringify(params);
  const headers = { accept: "application/json" };
  if (body) headers["content-type"] = "application/json";
  if (auth.mode === "cookie") headers["x-smr-console"] = "1";
  if (auth.credentials) {
    Object.assign(headers, await signHeaders({
      method, host: location.host, path, query, body, region: auth.region, credentials: auth.credentials,
    }));
  }
  const response = await fetch(query ? `${path}?${query}` : path, {
    method, headers, body: body || undefined, credentials: "same-origin", cache: "no-store",
  });
  let answer = {};
  try {
    answer = await response.json();
  } catch {
    answer = {};
  }
  if (!response.ok) {
    throw new ApiError(response.status, answer.error_code || `HTTP_${response.status}`,
      answer.message || response.statusText);
  }
  return answer;
}

export const get = (path, params) => call("GET", path, params);
export const post = (path, params) => call("POST", path, params);

let promoteRoute = null;

/** Whether the server has the atomic promotion route (another branch adds it): asked once, with an empty body. */
export async function hasPromoteRoute() {
  if (promoteRoute === null) {
    try {
      await post(`${SMR}/model-versions/promote`, {});
      promoteRoute = true;
    } catch (error) {
      promoteRoute = !(error.code === "ENDPOINT_NOT_FOUND" || (error.status === 404 && error.code.startsWith("HTTP_")));
    }
  }
  return promoteRoute;
}

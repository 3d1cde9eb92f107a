// Deployed sign-in: a Cognito user pool (username and password) and an identity pool that trades the ID token for
// temporary AWS credentials of the reader, writer or admin role (by the user's group). Plain JSON calls, no SDK.
import { h, replace } from "./dom.js";

async function awsJson(url, target, payload) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": target },
    body: JSON.stringify(payload),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer.message || answer.__type || `sign-in failed (${response.status})`);
  return answer;
}

async function credentialsFor(config, username, password) {
  const idp = `https://cognito-idp.${config.region}.amazonaws.com/`;
  const identity = `https://cognito-identity.${config.region}.amazonaws.com/`;
  const auth = await awsJson(idp, "AWSCognitoIdentityProviderService.InitiateAuth", {
    AuthFlow: "USER_PASSWORD_AUTH", ClientId: config.user_pool_client_id,
    AuthParameters: { USERNAME: username, PASSWORD: password },
  });
  if (!auth.AuthenticationResult) throw new Error(`Cognito asks for ${auth.ChallengeName}; complete it in the hosted UI first.`);
  const logins = { [`cognito-idp.${config.region}.amazonaws.com/${config.user_pool_id}`]: auth.AuthenticationResult.IdToken };
  const { IdentityId } = await awsJson(identity, "AWSCognitoIdentityService.GetId", { IdentityPoolId: config.identity_pool_id, Logins: logins });
  const { Credentials } = await awsJson(identity, "AWSCognitoIdentityService.GetCredentialsForIdentity", { IdentityId, Logins: logins });
  return { accessKeyId: Credentials.AccessKeyId, secretAccessKey: Credentials.SecretKey, sessionToken: Credentials.SessionToken };
}

/** Resolves to {user, credentials} once signed in. */
export function signInWithCognito(main, config) {
  return new Promise((resolve) => {
    const status = h("p", { role: "status" });
    const form = h("form", { class: "signin", "aria-label": "Sign in" },
      h("h1", {}, "Sign in to smr"),
      h("label", {}, "User name", h("input", { name: "user", required: true, autocomplete: "username" })),
      h("label", {}, "Password", h("input", { name: "password", type: "password", required: true, autocomplete: "current-password" })),
      h("button", { type: "submit" }, "Sign in"), status);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = new FormData(form);
      status.textContent = "Signing in…";
      try {
        const credentials = await credentialsFor(config, String(data.get("user")), String(data.get("password")));
        resolve({ user: String(data.get("user")), credentials });
      } catch (error) {
        status.textContent = error.message;
      }
    });
    replace(main, form);
  });
}

import { ISSUER_ROUTES, STYLE_PATH } from './routes.ts';

/**
 * SMART App Launch 2.2 discovery: the document served at `[fhirBase]/.well-known/smart-configuration`
 * (§2.1 "Conformance"), and the small style document `smart_style_url` points at. The OpenID
 * Connect discovery document (`/.well-known/openid-configuration`) is oidc-provider's own.
 */
export const SMART_CAPABILITIES = [
  'launch-standalone',
  'launch-ehr',
  'authorize-post',
  'client-public',
  'client-confidential-symmetric',
  'client-confidential-asymmetric',
  'sso-openid-connect',
  'context-standalone-patient',
  'context-ehr-patient',
  'context-ehr-encounter',
  'context-banner',
  'context-style',
  'permission-offline',
  'permission-online',
  'permission-patient',
  'permission-user',
  'permission-v1',
  'permission-v2',
] as const;

export const SUPPORTED_SCOPES = [
  'openid',
  'fhirUser',
  'profile',
  'launch',
  'launch/patient',
  'launch/encounter',
  'offline_access',
  'online_access',
  'patient/*.cruds',
  'patient/*.rs',
  'user/*.cruds',
  'user/*.rs',
  'system/*.cruds',
  'system/*.rs',
  'patient/*.read',
  'patient/*.write',
  'user/*.read',
  'user/*.write',
  'system/*.read',
  'system/*.write',
];

export function smartConfiguration(baseUrl: string): Record<string, unknown> {
  const url = (path: string) => `${baseUrl}${path}`;
  return {
    issuer: baseUrl,
    jwks_uri: url(ISSUER_ROUTES.jwks),
    authorization_endpoint: url(ISSUER_ROUTES.authorization),
    token_endpoint: url(ISSUER_ROUTES.token),
    introspection_endpoint: url(ISSUER_ROUTES.introspection),
    revocation_endpoint: url(ISSUER_ROUTES.revocation),
    // RP-initiated logout: the first-party apps end the server session when the user signs out.
    end_session_endpoint: url(ISSUER_ROUTES.end_session),
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
    response_types_supported: ['code'],
    token_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384', 'RS256', 'ES256', 'PS384'],
    scopes_supported: SUPPORTED_SCOPES,
    code_challenge_methods_supported: ['S256'],
    capabilities: [...SMART_CAPABILITIES],
  };
}

/** The `smart_style_url` document (SMART §"Styling"): colours and shapes an embedded app can match. */
export function smartStyle(): Record<string, unknown> {
  return {
    color_background: '#f4f6f8',
    color_error: '#b91c1c',
    color_highlight: '#1d4ed8',
    color_modal_backdrop: 'rgba(0,0,0,0.4)',
    color_success: '#15803d',
    color_text: '#1b1f24',
    dim_border_radius: '8px',
    dim_font_size: '16px',
    dim_spacing_size: '16px',
    font_family_body: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
    font_family_heading: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  };
}

export function styleUrl(baseUrl: string): string {
  return `${baseUrl}${STYLE_PATH}`;
}

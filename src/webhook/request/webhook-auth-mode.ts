/** The ways a Cognigy webhook can prove where it comes from; WEBHOOK_AUTH_MODES enables some. */
export type WebhookAuthMode = 'hmac' | 'basic' | 'apikey' | 'standard';

import { SaveKeysSchema } from '../../../shared/ipc';

export interface KeysForm {
  name: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  region: string;
}

export type KeysField = keyof KeysForm;

/** What is wrong with each field, in the form's words (zod's own text is never shown). */
const PROBLEMS: Record<KeysField, string> = {
  name: 'A name of up to 64 characters, for example lab-uploader.',
  accessKeyId: 'The access key ID as AWS gave it (AKIA… or ASIA…, up to 128 characters).',
  secretAccessKey: 'The secret access key is at least 8 characters (AWS gives 40).',
  sessionToken: 'The session token is longer than any AWS gives.',
  region: 'A region such as us-east-1.',
};

/** The request the form sends: optional fields left empty are null. */
export function keysInput(form: KeysForm) {
  return {
    name: form.name,
    accessKeyId: form.accessKeyId,
    secretAccessKey: form.secretAccessKey,
    sessionToken: form.sessionToken.trim() || null,
    region: form.region.trim() || null,
  };
}

/**
 * The form checked with the very schema main checks it with, so "Store keys"
 * is enabled exactly when main would take the keys. Each field's problem, or
 * an empty object when the form is valid.
 */
export function keysProblems(form: KeysForm): Partial<Record<KeysField, string>> {
  const parsed = SaveKeysSchema.safeParse(keysInput(form));
  if (parsed.success) return {};
  const problems: Partial<Record<KeysField, string>> = {};
  for (const issue of parsed.error.issues) {
    const field = String(issue.path[0]) as KeysField;
    if (field in PROBLEMS) problems[field] = PROBLEMS[field];
  }
  return problems;
}

// Test double of AWS Secrets Manager, implementing exactly one documented action: GetSecretValue (POST / with X-Amz-Target: secretsmanager.GetSecretValue, AWS JSON 1.1), stages AWSCURRENT and AWSPREVIOUS; signatures are not checked.
import { startHttpDouble, type DoubleReply, type DoubleRequest, type HttpDouble } from './http-double.js';

const JSON_11 = { 'content-type': 'application/x-amz-json-1.1' };

export class AwsSecretsManagerDouble {
  /** By SecretId: versions newest first; [0] is AWSCURRENT, [1] AWSPREVIOUS. */
  readonly secrets = new Map<string, string[]>();
  private http: HttpDouble | null = null;

  get url(): string { return this.http!.url; }
  get calls(): string[] { return this.http!.calls; }
  /** The VersionStage of each GetSecretValue, in order. */
  readonly stages: string[] = [];

  async start(): Promise<this> {
    this.http = await startHttpDouble((req) => this.handle(req));
    return this;
  }

  close(): Promise<void> { return this.http?.close() ?? Promise.resolve(); }

  /** PutSecretValue's effect: the new version becomes AWSCURRENT, the old one AWSPREVIOUS. */
  put(secretId: string, value: string): void {
    this.secrets.set(secretId, [value, ...(this.secrets.get(secretId) ?? [])]);
  }

  private handle(req: DoubleRequest): DoubleReply {
    if (req.method !== 'POST' || req.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue') {
      return { status: 400, headers: JSON_11, body: { __type: 'UnknownOperationException', message: 'not implemented by the double' } };
    }
    const input = JSON.parse(req.body) as { SecretId?: string; VersionStage?: string };
    const stage = input.VersionStage ?? 'AWSCURRENT';
    this.stages.push(stage);
    const versions = this.secrets.get(input.SecretId ?? '');
    const index = stage === 'AWSCURRENT' ? 0 : stage === 'AWSPREVIOUS' ? 1 : -1;
    const value = versions?.[index];
    if (value === undefined) {
      return { status: 400, headers: JSON_11, body: { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." } };
    }
    return {
      status: 200,
      headers: JSON_11,
      body: { ARN: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${input.SecretId}`, Name: input.SecretId, SecretString: value, VersionId: `v${versions!.length - index}`, VersionStages: [stage], CreatedDate: 1700000000 },
    };
  }
}

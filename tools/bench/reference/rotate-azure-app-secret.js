// The rotation a Keeper admin runs without keeper-rotate: Keeper's documented post-rotation script for an Azure
// application's client secret (its steps are listed in tools/bench/README.md), step by step, on Keeper's and
// Microsoft's official Node SDKs. It exists only as the comparison side of the rotation benchmark
// (tools/bench/README.md) and is never shipped or run by keeper-rotate.
//
//   node rotate-azure-app-secret.js KSM_CONFIG_FILE  < gateway input line
//
// The Microsoft endpoints are read from the environment (AZURE_AUTHORITY_HOST, GRAPH_ENDPOINT), so the benchmark
// can point it at the in-tree fakes; the script otherwise uses Microsoft's public endpoints, as Keeper's does.
// Trust for the fakes' test CA comes from NODE_EXTRA_CA_CERTS. Like Keeper's script it proves nothing, deletes the
// other secrets before the vault is updated and logs the key id, never the secret.
'use strict'
const ksm = require('@keeper-security/secrets-manager-core')
const { ClientSecretCredential } = require('@azure/identity')

const authorityHost = process.env.AZURE_AUTHORITY_HOST || 'https://login.microsoftonline.com'
const graph = (process.env.GRAPH_ENDPOINT || 'https://graph.microsoft.com').replace(/\/$/, '')
const log = (...args) => console.error(new Date().toISOString(), 'INFO', ...args)

function readFirstLine() {
  return new Promise((resolve, reject) => {
    let data = ''
    process.stdin.setEncoding('utf8')
    process.stdin.on('data', (chunk) => {
      data += chunk
      const nl = data.indexOf('\n')
      if (nl >= 0) {
        process.stdin.pause()
        resolve(data.slice(0, nl))
      }
    })
    process.stdin.on('end', () => resolve(data))
    process.stdin.on('error', reject)
  })
}

const customField = (record, label) => {
  const f = (record.data.custom || []).find((c) => c.label === label)
  return f && f.value && f.value.length ? f.value[0] : undefined
}
const setCustomField = (record, type, label, value) => {
  record.data.custom = record.data.custom || []
  const f = record.data.custom.find((c) => c.label === label)
  if (f) f.value = [value]
  else record.data.custom.push({ type, label, value: [value] })
}

async function graphCall(token, method, path, body) {
  const res = await fetch(`${graph}/v1.0${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  return { status: res.status, json: text ? JSON.parse(text) : null }
}

async function main() {
  // 1. The Gateway's input: base64 of a JSON object whose `records` is base64 of a JSON array.
  const params = JSON.parse(Buffer.from(await readFirstLine(), 'base64').toString('utf8'))
  const records = JSON.parse(Buffer.from(params.records, 'base64').toString('utf8'))

  // 2. KSM on the Gateway's own configuration file.
  const options = { storage: ksm.localConfigStorage(process.argv[2]) }

  // 3. The PAM User record over KSM, and its application_object_id.
  const { records: [user] } = await ksm.getSecrets(options, [params.userRecordUid])
  const objectId = user && customField(user, 'application_object_id')
  if (!objectId) throw new Error('application_object_id is missing in the PAM User record')

  // 4. The admin credential: an attached admin record, else the PAM Configuration in `records`.
  let admin = records.find((r) => 'application_client_id' in r || 'clientId' in r)
  if (!admin) throw new Error('no admin credential')
  admin = 'application_client_id' in admin
    ? { clientId: admin.application_client_id, secret: admin.client_secret, tenant: admin.tenant_id }
    : { clientId: admin.clientId, secret: admin.clientSecret, tenant: admin.tenantId }

  try {
    // 5. A Graph token, client-credentials flow.
    const credential = new ClientSecretCredential(admin.tenant, admin.clientId, admin.secret,
      { authorityHost, disableInstanceDiscovery: true })
    const { token } = await credential.getToken(`${graph}/.default`)

    // 6. The new secret, valid for 365 days.
    const endDateTime = new Date(Date.now() + 365 * 86400 * 1000).toISOString()
    const added = await graphCall(token, 'POST', `/applications/${objectId}/addPassword`,
      { passwordCredential: { displayName: 'Client Secret Rotated by Keeper', endDateTime } })
    if (added.status !== 200) throw new Error(`addPassword: HTTP ${added.status}`)
    const { keyId, secretText } = added.json
    log(`created client secret ${keyId}`)

    // 7. Every other secret removed.
    const app = await graphCall(token, 'GET', `/applications/${objectId}`)
    if (app.status !== 200) throw new Error(`read application: HTTP ${app.status}`)
    for (const p of app.json.passwordCredentials || []) {
      if (p.keyId === keyId) continue
      const removed = await graphCall(token, 'POST', `/applications/${objectId}/removePassword`, { keyId: p.keyId })
      if (removed.status !== 204) throw new Error(`removePassword ${p.keyId}: HTTP ${removed.status}`)
      log(`removed client secret ${p.keyId}`)
    }

    // 8. The result into the PAM User record, one plain update.
    setCustomField(user, 'text', 'client_secret_id', keyId)
    setCustomField(user, 'secret', 'client_secret', secretText)
    setCustomField(user, 'text', 'expires', endDateTime)
    await ksm.updateSecret(options, user)
    log(`stored the new secret in PAM User record ${params.userRecordUid}`)
  } catch (e) {
    // Keeper's script reports a failure here in its log only.
    log(`rotation failed: ${e.message}`)
  }
}

main().catch((e) => {
  console.error(e.message)
  process.exit(1)
})

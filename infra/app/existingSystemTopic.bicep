// Reads a system topic that already exists for a source (Event Grid allows one per source), and works out
// what to PUT back so that it keeps everything it has and also carries the service's identity: the event
// subscription dead-letters as that identity (deadLetterWithResourceIdentity), which Event Grid only
// accepts for an identity assigned to the topic. Location, tags and the identities already assigned are
// kept. Source and topic type are not read back: the caller PUTs the ones it expects, and as both are
// immutable a topic named for the wrong source fails the deployment instead of being reused.
param systemTopicName string
@description('ARM id of the service\'s user-assigned identity, added to the topic\'s identities.')
param identityId string

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = {
  name: systemTopicName
}

// The full GET (identity and tags included); a topic without an identity has no identity property.
var current = reference(topic.id, '2025-02-15', 'Full')
var currentIdentity = contains(current, 'identity') ? current.identity : {}
var currentType = toLower(currentIdentity.?type ?? 'None')
// The GET returns principalId and clientId for each user-assigned identity; the PUT takes empty objects.
var currentUserAssigned = reduce(
  items(currentIdentity.?userAssignedIdentities ?? {}),
  {},
  (merged, entry) => union(merged, { '${entry.key}': {} })
)

output location string = current.location
output tags object = contains(current, 'tags') ? current.tags : {}
output identity object = {
  type: contains(currentType, 'systemassigned') ? 'SystemAssigned, UserAssigned' : 'UserAssigned'
  userAssignedIdentities: union(currentUserAssigned, { '${identityId}': {} })
}

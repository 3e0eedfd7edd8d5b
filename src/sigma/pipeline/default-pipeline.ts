/**
 * The built-in pipeline: the Sigma Windows taxonomy onto Windows event-log records (the evtx crate's
 * JSON, winlogbeat and NXLog JSON are all read into the same field names by runtime/event.ts).
 * Sources: pySigma-pipeline-sysmon (category -> Sysmon EID), pySigma common.py (service -> Channel),
 * pySigma-pipeline-windows and SigmaHQ tests/thor.yml (Security 4688 for process_creation with renames).
 */
import type { ConditionMap, LogsourceRoute, LogsourceSource, Pipeline } from './pipeline.ts';

const SYSMON = 'Microsoft-Windows-Sysmon/Operational';
const sysmon = (...eids: number[]): ConditionMap => ({ Channel: SYSMON, EventID: eids });

const SYSMON_CATEGORIES: Record<string, number[]> = {
  process_creation: [1],
  file_change: [2],
  network_connection: [3],
  sysmon_status: [4, 16],
  process_termination: [5],
  driver_load: [6],
  image_load: [7],
  create_remote_thread: [8],
  raw_access_thread: [9],
  process_access: [10],
  file_event: [11],
  registry_add: [12],
  registry_delete: [12],
  registry_set: [13],
  registry_rename: [14],
  registry_event: [12, 13, 14],
  create_stream_hash: [15],
  pipe_created: [17, 18],
  wmi_event: [19, 20, 21],
  dns_query: [22],
  file_delete: [23, 26],
  clipboard_capture: [24],
  clipboard_change: [24],
  process_tampering: [25],
  file_delete_detected: [26],
  file_block_executable: [27],
  file_block_shredding: [28],
  file_executable_detected: [29],
  sysmon_error: [255],
};

const SERVICE_CHANNELS: Record<string, string[]> = {
  security: ['Security'],
  system: ['System'],
  application: ['Application'],
  sysmon: [SYSMON],
  powershell: ['Microsoft-Windows-PowerShell/Operational', 'PowerShellCore/Operational'],
  'powershell-classic': ['Windows PowerShell'],
  taskscheduler: ['Microsoft-Windows-TaskScheduler/Operational'],
  wmi: ['Microsoft-Windows-WMI-Activity/Operational'],
  dns: ['DNS Server'],
  'dns-server': ['DNS Server'],
  'dns-server-analytic': ['Microsoft-Windows-DNS-Server/Analytical'],
  'dns-server-audit': ['Microsoft-Windows-DNS-Server/Audit'],
  driverframeworks: ['Microsoft-Windows-DriverFrameworks-UserMode/Operational'],
  windefend: ['Microsoft-Windows-Windows Defender/Operational'],
  applocker: [
    'Microsoft-Windows-AppLocker/MSI and Script',
    'Microsoft-Windows-AppLocker/EXE and DLL',
    'Microsoft-Windows-AppLocker/Packaged app-Deployment',
    'Microsoft-Windows-AppLocker/Packaged app-Execution',
  ],
  msexchange: ['MSExchange Management'],
  'msexchange-management': ['MSExchange Management'],
  printservice: ['Microsoft-Windows-PrintService/Admin', 'Microsoft-Windows-PrintService/Operational'],
  'printservice-admin': ['Microsoft-Windows-PrintService/Admin'],
  'printservice-operational': ['Microsoft-Windows-PrintService/Operational'],
  'terminalservices-localsessionmanager': ['Microsoft-Windows-TerminalServices-LocalSessionManager/Operational'],
  'smbclient-security': ['Microsoft-Windows-SmbClient/Security'],
  'smbclient-connectivity': ['Microsoft-Windows-SmbClient/Connectivity'],
  'smbserver-security': ['Microsoft-Windows-SMBServer/Security'],
  'smbserver-connectivity': ['Microsoft-Windows-SMBServer/Connectivity'],
  'microsoft-servicebus-client': ['Microsoft-ServiceBus-Client'],
  ldap_debug: ['Microsoft-Windows-LDAP-Client/Debug'],
  'ntlm': ['Microsoft-Windows-NTLM/Operational'],
  'dhcp': ['Microsoft-Windows-DHCP-Server/Operational'],
  'firewall-as': ['Microsoft-Windows-Windows Firewall With Advanced Security/Firewall'],
  'bits-client': ['Microsoft-Windows-Bits-Client/Operational'],
  'codeintegrity-operational': ['Microsoft-Windows-CodeIntegrity/Operational'],
  'diagnosis-scripted': ['Microsoft-Windows-Diagnosis-Scripted/Operational'],
  'shell-core': ['Microsoft-Windows-Shell-Core/Operational'],
  'openssh': ['OpenSSH/Operational'],
  'security-mitigations': ['Microsoft-Windows-Security-Mitigations/Kernel Mode', 'Microsoft-Windows-Security-Mitigations/User Mode'],
  'lsa-server': ['Microsoft-Windows-LSA/Operational'],
  'appxdeployment-server': ['Microsoft-Windows-AppXDeploymentServer/Operational'],
  'appxpackaging-om': ['Microsoft-Windows-AppxPackaging/Operational'],
  'appmodel-runtime': ['Microsoft-Windows-AppModel-Runtime/Admin'],
  'capi2': ['Microsoft-Windows-CAPI2/Operational'],
  'certificateservicesclient-lifecycle-system': ['Microsoft-Windows-CertificateServicesClient-Lifecycle-System/Operational'],
  'kernel-shimengine': ['Microsoft-Windows-Kernel-ShimEngine/Operational', 'Microsoft-Windows-Kernel-ShimEngine/Diagnostic'],
  'hyper-v-worker': ['Microsoft-Windows-Hyper-V-Worker'],
  'vhdmp': ['Microsoft-Windows-VHDMP/Operational'],
  'wmi-activity': ['Microsoft-Windows-WMI-Activity/Operational'],
  'ntfs': ['Microsoft-Windows-Ntfs/Operational'],
  'sysmon-operational': [SYSMON],
  'iis-configuration': ['Microsoft-IIS-Configuration/Operational'],
  'bitlocker': ['Microsoft-Windows-BitLocker/BitLocker Management'],
};

const routes: LogsourceRoute[] = [
  // Any Windows rule only sees Windows event-log records.
  { match: { product: 'windows' }, conditions: [{ Channel: '*' }] },
  ...Object.entries(SYSMON_CATEGORIES).map(([category, eids]): LogsourceRoute => {
    const conditions: ConditionMap[] = [sysmon(...eids)];
    if (category === 'process_creation') conditions.push({ Channel: 'Security', EventID: 4688 });
    if (category === 'registry_set' || category === 'registry_event' || category === 'registry_add') conditions.push({ Channel: 'Security', EventID: 4657 });
    if (category === 'network_connection') conditions.push({ Channel: 'Security', EventID: 5156 });
    return { match: { product: 'windows', category }, conditions };
  }),
  { match: { product: 'windows', category: 'ps_module' }, conditions: [{ Channel: SERVICE_CHANNELS['powershell'] ?? [], EventID: 4103 }] },
  { match: { product: 'windows', category: 'ps_script' }, conditions: [{ Channel: SERVICE_CHANNELS['powershell'] ?? [], EventID: 4104 }] },
  { match: { product: 'windows', category: 'ps_classic_start' }, conditions: [{ Channel: 'Windows PowerShell', EventID: 400 }] },
  { match: { product: 'windows', category: 'ps_classic_provider_start' }, conditions: [{ Channel: 'Windows PowerShell', EventID: 600 }] },
  { match: { product: 'windows', category: 'ps_classic_script' }, conditions: [{ Channel: 'Windows PowerShell', EventID: 800 }] },
  {
    match: { product: 'windows', category: 'antivirus' },
    conditions: [{ Channel: 'Microsoft-Windows-Windows Defender/Operational', EventID: [1006, 1007, 1008, 1009, 1010, 1011, 1012, 1017, 1018, 1019, 1115, 1116] }],
  },
  ...Object.entries(SERVICE_CHANNELS).map(([service, channels]): LogsourceRoute => ({ match: { product: 'windows', service }, conditions: [{ Channel: channels }] })),
  // Linux rules: Sysmon for Linux records, or Linux logs declared with --logsource (no Channel).
  { match: { product: 'linux', category: 'process_creation' }, conditions: [{ Channel: 'Linux-Sysmon/Operational', EventID: 1 }, { Channel: null }] },
  { match: { product: 'linux', category: 'network_connection' }, conditions: [{ Channel: 'Linux-Sysmon/Operational', EventID: 3 }, { Channel: null }] },
  { match: { product: 'linux', category: 'file_event' }, conditions: [{ Channel: 'Linux-Sysmon/Operational', EventID: 11 }, { Channel: null }] },
  { match: { product: 'linux' }, conditions: [{ Channel: 'Linux-Sysmon/Operational' }, { Channel: null }] },
];

const DEFENDER = 'Microsoft-Windows-Windows Defender/Operational';
/** Entra ID (Azure AD) sign-in log categories, as diagnostic settings name them. */
const SIGNIN_CATEGORIES = ['SignInLogs', 'NonInteractiveUserSignInLogs', 'ServicePrincipalSignInLogs', 'ManagedIdentitySignInLogs'];
/** Azure Monitor activity log categories. */
const ACTIVITY_CATEGORIES = ['Administrative', 'ServiceHealth', 'ResourceHealth', 'Alert', 'Autoscale', 'Recommendation', 'Security', 'Policy'];

/**
 * Log source recognition, first match wins (docs/formats/sigma.md, "Log sources"). Each cloud
 * service is recognised in its own JSON (as its API or export writes it) and as a Microsoft
 * Sentinel / Log Analytics row (every row has `Type`, the table's name). The conditions use fields
 * every record of the shape has, from each service's documented schema.
 */
const sources: LogsourceSource[] = [
  { name: 'Sysmon for Linux', logsource: { product: 'linux' }, conditions: [{ Channel: 'Linux-Sysmon/Operational' }] },
  // Defender names its event data with spaces (`Threat Name`, `Process Name`); rules write `ThreatName`.
  { name: 'Microsoft Defender Antivirus', logsource: { product: 'windows', service: 'windefend' }, conditions: [{ Channel: DEFENDER }], looseNames: true },
  // evtx crate JSON, winlogbeat, NXLog, Sentinel SecurityEvent / WindowsEvent rows: all have a Channel.
  { name: 'Windows event log', logsource: { product: 'windows' }, conditions: [{ Channel: '*' }] },
  {
    name: 'Entra ID (Azure AD) sign-in logs',
    logsource: { product: 'azure', service: 'signinlogs' },
    conditions: [
      { Type: ['SigninLogs', 'AADNonInteractiveUserSignInLogs', 'AADServicePrincipalSignInLogs', 'AADManagedIdentitySignInLogs'] },
      { category: SIGNIN_CATEGORIES, operationName: 'Sign-in activity' }, // diagnostic settings export (Event Hub, storage)
      { Category: SIGNIN_CATEGORIES, OperationName: 'Sign-in activity' }, // Sentinel rows without Type
      { createdDateTime: '*', userPrincipalName: '*', appId: '*', conditionalAccessStatus: '*', status: '*' }, // Graph signIn
    ],
    looseNames: true,
  },
  {
    name: 'Entra ID (Azure AD) audit logs',
    logsource: { product: 'azure', service: 'auditlogs' },
    conditions: [
      { Type: 'AuditLogs' },
      { category: 'AuditLogs', operationName: '*' },
      { LoggedByService: '*', ActivityDisplayName: '*', InitiatedBy: '*' },
      { activityDisplayName: '*', loggedByService: '*', initiatedBy: '*', targetResources: '*' }, // Graph directoryAudit
    ],
    looseNames: true,
  },
  {
    name: 'Entra ID Identity Protection risk detections',
    logsource: { product: 'azure', service: 'riskdetection' },
    conditions: [{ Type: 'AADUserRiskEvents' }, { category: 'UserRiskEvents', operationName: '*' }, { riskEventType: '*', detectionTimingType: '*', riskLevel: '*' }],
    looseNames: true,
  },
  {
    name: 'Azure activity log',
    logsource: { product: 'azure', service: 'activitylogs' },
    conditions: [{ Type: 'AzureActivity' }, { category: ACTIVITY_CATEGORIES, resourceId: '/subscriptions/*', operationName: '*' }, { OperationNameValue: '*', CategoryValue: '*' }],
    looseNames: true,
  },
  {
    name: 'Microsoft 365 / Office 365 management activity',
    logsource: { product: 'm365' },
    conditions: [{ Type: 'OfficeActivity' }, { CreationTime: '*', Operation: '*', RecordType: '*', Workload: '*' }, { OfficeWorkload: '*', Operation: '*', RecordType: '*' }],
    looseNames: true,
  },
  {
    name: 'AWS CloudTrail',
    logsource: { product: 'aws', service: 'cloudtrail' },
    conditions: [{ eventVersion: '*', eventSource: '*.amazonaws.com', eventName: '*' }, { Type: 'AWSCloudTrail' }],
    looseNames: true,
  },
  {
    name: 'Google Cloud audit logs',
    logsource: { product: 'gcp', service: 'gcp.audit' },
    conditions: [
      { 'protoPayload.@type': 'type.googleapis.com/google.cloud.audit.AuditLog' },
      { 'data.protoPayload.@type': 'type.googleapis.com/google.cloud.audit.AuditLog' }, // Pub/Sub export
      { logName: '*/logs/cloudaudit.googleapis.com*' },
      { Type: 'GCPAuditLogs' },
    ],
    looseNames: true,
  },
  { name: 'Okta System Log', logsource: { product: 'okta', service: 'okta' }, conditions: [{ uuid: '*', published: '*', eventType: '*', actor: '*' }], looseNames: true },
];

export const defaultPipeline: Pipeline = {
  name: 'default',
  fieldMappings: {
    Computer: ['Computer', 'Hostname', 'host.name', 'computer_name'],
    Provider_Name: ['Provider_Name', 'SourceName', 'ProviderName'],
    // Sentinel's OfficeActivity names the workload OfficeWorkload.
    Workload: ['Workload', 'OfficeWorkload'],
    // SigmaHQ's GCP rules use Elastic's and Pub/Sub's names; LogEntry JSON has protoPayload at the top.
    'gcp.audit.method_name': ['gcp.audit.method_name', 'protoPayload.methodName', 'MethodName'],
    'data.protoPayload.methodName': ['data.protoPayload.methodName', 'protoPayload.methodName', 'MethodName'],
    'data.protoPayload.serviceName': ['data.protoPayload.serviceName', 'protoPayload.serviceName', 'ServiceName'],
    'data.protoPayload.resource.type': ['data.protoPayload.resource.type', 'protoPayload.resource.type', 'resource.type'],
    'data.protoPayload.logName': ['data.protoPayload.logName', 'logName'],
    'data.protoPayload.authorizationInfo.permission': ['data.protoPayload.authorizationInfo.permission', 'protoPayload.authorizationInfo.permission'],
    'data.protoPayload.authorizationInfo.granted': ['data.protoPayload.authorizationInfo.granted', 'protoPayload.authorizationInfo.granted'],
  },
  logsources: routes,
  // Rules with no entry above are kept to their own log source by recognition (`sources`).
  fallback: [],
  sources,
  eventAliases: [
    {
      when: { Channel: 'Security', EventID: 4688 },
      fields: {
        Image: 'NewProcessName',
        ParentImage: 'ParentProcessName',
        LogonId: 'SubjectLogonId',
        ProcessId: 'NewProcessId',
        ParentProcessId: 'ProcessId',
        IntegrityLevel: 'MandatoryLabel',
        User: 'SubjectUserName',
      },
    },
    { when: { Channel: 'Security', EventID: 4657 }, fields: { Details: 'NewValue', TargetObject: 'ObjectName', Image: 'ProcessName' } },
    {
      when: { Channel: 'Security', EventID: 5156 },
      fields: { ProcessId: 'ProcessID', Image: 'Application', SourceIp: 'SourceAddress', DestinationIp: 'DestAddress', DestinationPort: 'DestPort' },
    },
  ],
  placeholders: {},
  placeholderFallback: 'wildcard',
};

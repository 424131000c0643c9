// i18n.js -- the UI's words, one dictionary per language. Japanese is the
// product's language; English is the switch in the header. The choice is
// kept in localStorage ("tenken.lang") and sent as Accept-Language so the
// API's error messages come back in the same language.

const ja = {
  app: 'tenken ログ点検', skip: '本文へ移動', lang_switch: 'English', lang_label: '表示言語',
  logout: 'ログアウト', tenant: 'テナント', user: 'ユーザー', role: '権限',
  role_uploader: 'アップロード担当', role_analyst: '分析担当', role_reporter: '閲覧（報告）', role_admin: '管理者',
  nav: 'メインメニュー', nav_upload: 'ログのアップロード', nav_uploads: 'アップロード履歴', nav_cases: '検知事案',
  nav_tuning: 'ルールと閾値', nav_analyses: '分析と期間', nav_audit: '監査ログ', nav_accounts: 'アカウント',
  login_title: 'ログイン', login_lead: '自治体の操作ログ点検システムです。職員のアカウントでログインしてください。',
  name: 'アカウント名', password: 'パスワード', login_btn: 'ログイン', logging_in: 'ログインしています…',
  wrong_credentials: 'アカウント名またはパスワードが違います。',
  locked: 'ログインの失敗が続いたため、このアカウントは一時的にロックされています。{s}秒後に再度お試しください。',
  expired: 'セッションの有効期限が切れました。もう一度ログインしてください。', logged_out: 'ログアウトしました。',
  forbidden_page: 'この画面を開く権限がありません。', loading: '読み込み中…', error: 'エラー', retry: '再試行',
  op_lookup: '照会', op_search: '検索', op_add: '登録', op_update: '更新', op_delete: '削除', op_print: '印刷',
  op_export: '出力', op_extract: '抽出', op_issue: '発行', op_logon: 'ログオン', op_logoff: 'ログオフ',
  op_logon_failure: 'ログオン失敗', op_media_copy: '媒体へ複製', op_media_move: '媒体へ移動',
  op_device_connect: 'デバイス接続', op_device_disconnect: 'デバイス切断', op_other: 'その他',
  res_success: '成功', res_failure: '失敗',
  none: 'なし', yes: 'はい', no: 'いいえ', cancel: 'キャンセル', save: '保存', close: '閉じる', back: '戻る',
  upload_title: 'ログのアップロード', upload_lead: '業務システムや端末の操作ログ（CSV）を取り込みます。ファイルはそのまま送信され、ブラウザに読み込まれることはありません。',
  drop: 'ここにCSVファイルをドロップ', or_pick: 'またはファイルを選択', file: 'ファイル', profile: '取込定義（プロファイル）',
  profile_auto: '自動判定（ファイル名・見出し行から）', lenient: '不正な行を除いて取り込む（行ごとのエラーを一覧にする）',
  upload_btn: 'アップロード', uploading: '送信中', ingesting: '取り込み中（サーバーで検証しています）…', progress: '進捗',
  upload_done: '取り込みが完了しました。', upload_partial: '一部の行を除いて取り込みました。', upload_rejected: 'ファイルは取り込まれませんでした。',
  rows_total: '行数', rows_accepted: '取込', rows_rejected: '不正', rows_skipped: 'スキップ', first_error: '最初のエラー',
  error_report: '行ごとのエラー一覧（CSV）をダウンロード', duplicate: '同じ内容のファイルが既に取り込まれています（アップロード #{id}）。',
  choose_file: 'ファイルを選んでください。', bytes_of: '{a} / {b}',
  uploads_title: 'アップロード履歴', uploaded_at: 'アップロード日時', uploaded_by: 'アップロードした人', status: '状態', size: 'サイズ', period_of_rows: 'データの期間',
  st_stored: '取込済', st_partial: '一部取込', st_rejected: '却下', in_progress: '処理中のアップロード', detail: '詳細',
  delete: '削除', delete_confirm: 'アップロード #{id}（{file}）と、それが取り込んだ全ての行を削除します。よろしいですか。', deleted: '削除しました。',
  prev: '前へ', next: '次へ', page_of: '{a}〜{b}件目 / 全{c}件', more: 'さらに表示',
  cases_title: '検知事案', period: '点検期間', latest: '最新', filters: '絞り込み', entity_type: '対象の種類', et_user: '職員', et_terminal: '端末',
  entity: '職員ID・端末名', system: 'システム', dept: '所属', rule: 'ルール', source: '検知元', src_rule: 'ルール', src_model: 'モデル',
  min_score: '最低スコア', triage_status: '対応状況', all: 'すべて', apply: '適用', reset: 'クリア',
  rank: '順位', score: 'スコア', severity: '重大度', summary: '概要', days: '日', entity_col: '対象',
  sev_critical: '重大', sev_high: '高', sev_medium: '中', sev_low: '低',
  ts_new: '未対応', ts_investigating: '調査中', ts_confirmed: '不正確認', ts_false_positive: '誤検知',
  select_all: 'このページをすべて選択', select_row: '{id} を選択', bulk: '選択した事案の対応状況', bulk_apply: '一括で記録',
  selected: '{n}件選択', comment: 'コメント', bulk_done: '{n}件の対応状況を記録しました。', no_run: 'この期間の分析結果はまだありません。',
  total_cases: '{n}件', notes: '分析時の注記',
  case_title: '事案 {id}', explanation: 'なぜ検知されたか', findings: '構成する検知', evidence: '根拠となるログ行', triage: '対応状況の記録',
  history: '対応履歴', record: '記録', suppress: '誤検知として今後の検知を抑止', suppress_reason: '抑止の理由', suppress_expires: '有効期限',
  suppressed: '抑止を登録しました。次回の分析から反映されます。', suppress_needs_fp: '抑止の登録は対応状況を「誤検知」にしてから行えます。',
  triage_saved: '対応状況を記録しました。', value: '値', threshold: '閾値', own_normal: '本人の平常値', peer_factor: '所属の季節係数',
  z: '偏差(z)', feature: '指標', time: '日時', user_col: '職員', terminal: '端末', operation: '操作', function: '機能', result: '結果',
  resident: '住民（仮名）', file_col: 'ファイル', open_entity: 'この職員の活動を見る', by_account: '記録者', no_history: 'まだ記録はありません。',
  model_note: 'モデルは、本人の基準期間の平常値と所属の同時期の傾向から外れた行動を点数化します。',
  rule_note: 'ルールは、市の運用で定めた条件（閾値）に当てはまった行動を検知します。',
  entity_title: '職員 {id} の活動', daily: '日ごとの操作件数と平常の幅（基準期間の10〜90%）', tod: '時間帯別の操作（期間と基準期間の1日平均）',
  systems_used: '利用したシステム', events: '件数', baseline_period: '基準期間', master: '職員情報', cases_of: 'この職員の事案',
  active_days: '稼働日数', section: '係', master_status: '在籍状況', this_period: '点検期間', baseline_avg: '基準期間',
  tuning_title: 'ルールと閾値', rules_in_force: '適用中のルール', enabled: '有効', params: 'パラメータ', changed: '変更あり', default: '既定値',
  range: '範囲', edit: '変更', preview: '影響を試算', previewing: '試算しています（数秒から数十秒かかります）…', preview_result: '試算結果',
  findings_before_after: '検知 {a} → {b}件', cases_before_after: '事案 {a} → {b}件', added: '増える事案', removed: '減る事案',
  apply_rule: 'この設定を適用', rule_saved: 'ルール {id} を更新しました（版 {v}）。', baseline_settings: '基準期間とモデルの設定', setting: '設定',
  read_only: '閲覧のみ（変更は分析担当・管理者）',
  analyses_title: '分析と期間', start_analysis: '分析を開始', from: '開始日', to: '終了日', jobs: '分析ジョブ', state: '状態', stage: '段階',
  job_queued: '待機中', job_running: '実行中', job_done: '完了', job_failed: '失敗', job_cancelled: '取消',
  started_by: '開始者', ps_analysed: '分析済', ps_open: '未分析', ps_delivered: '納品済', ps_frozen: '確定済',
  cancel_job: '取り消す', periods: '期間', runs: '分析回数', delivered: '納品済', deliver: '納品（確定）', deliver_confirm: '期間 {p} を納品として確定します。以後この期間の対応状況は変更できません。よろしいですか。',
  delivered_ok: '期間 {p} を確定しました。', started: '分析を開始しました（ジョブ #{id}）。', cases_n: '事案数',
  audit_title: '監査ログ', actor: '操作者', action: '操作', target: '対象', outcome: '結果', address: '接続元', since: 'から', until: 'まで',
  out_ok: '成功', out_refused: '拒否', out_error: 'エラー', older: 'さらに古い記録',
  nav_reports: '報告書', nav_confirm: '要確認事項',
  reports_title: '報告書', reports_lead: '分析点検結果レポート（HTML・PDF）と要確認事項の回答用ブック（Excel）をダウンロードできます。',
  report_of: '{p} の報告書', report_html: 'HTMLで開く（新しいタブ）', report_pdf: 'PDFをダウンロード', report_xlsx: '要確認事項（Excel）をダウンロード',
  report_note: '報告書は表示のたびに最新の分析結果から作成されます。', report_unknown: 'この期間は分析されていない可能性があります。報告書がない場合は先に分析を実行してください。',
  deliver_lead: '報告書を納品した期間を確定します。確定後は再分析や対応状況の変更ができません。',
  contract_title: '契約書類', contract_lead: '年度（4月〜翌年3月）の業務処理計画書と業務完了報告書です。tenken に記録された内容から作成し、記録のない事項は記入欄として空けてあります。',
  fiscal_year: '年度', plan_html: '業務処理計画書（HTML）', plan_pdf: '業務処理計画書（PDF）', completion_html: '業務完了報告書（HTML）', completion_pdf: '業務完了報告書（PDF）',
  annual_title: '年次報告会', annual_lead: '年度（4月〜翌3月）の6期をまとめた分析点検結果報告会資料と、報告会の議事録の様式を作成します。', fy_label: '{y}年度',
  table_label: '表: {cols}', list_sep: '、', completeness_grid_label: '{p} のシステム別・日別の取込状況',
  fy_title: '年度の書類', fy_lead: '年次報告会と契約書類は、ここで選んだ年度（4月〜翌年3月）のものです。',
  meeting_title: '{y}の報告会の記録', meeting_none: 'この年度の報告会はまだ記録されていません。議事録と業務完了報告書では記入欄になります。',
  meeting_date: '開催日', meeting_place: '場所', meeting_attendees: '出席者', meeting_attendees_hint: '1行に1人（団体・受託者とも）。例: 市民課長 山田太郎',
  meeting_save: '報告会の記録を保存', meeting_saved: '保存しました。議事録と業務完了報告書に反映されます。', meeting_set: '{at} に {who} が記録',
  annual_html: '報告会資料をHTMLで開く', annual_pdf: '報告会資料（PDF）', annual_xlsx: '表（Excel）', minutes_pdf: '議事録の様式（PDF）', minutes_html: '議事録の様式（HTML）',
  confirm_title: '要確認事項', confirm_lead: '各事案について、業務上の理由を確認のうえ判定・理由・確認者・確認日を入力して保存してください。Excelのブックに記入してまとめて取り込むこともできます。',
  confirm_counts: '{n}件中 {a}件回答済み', choose: '選択してください', verdict: '判定', verdict_justified: '正当', verdict_inappropriate: '不適切', verdict_investigating: '調査中',
  unanswered: '未回答', reason: '業務上の理由', reason_hint: '正当の場合は必須（2000字以内）', confirmed_by: '確認者', confirmed_on: '確認日', answer_saved: '回答を保存しました。',
  workbook: '回答用ブック（Excel）', workbook_lead: 'ブックをダウンロードし、判定・業務上の理由・確認者・確認日を記入して取り込んでください。1行でも誤りがあれば何も保存されません。',
  import_btn: '取り込む', import_ok: '{n}件の回答を保存しました（変更なし {u}件、空欄 {b}件）。', sheet: 'シート', row_no: '行', column: '列', problem: '内容', more_issues: 'ほかに {n}件の問題があります。',
  completeness_title: 'ログの到着状況', completeness_sum: '{p}：{n}行、欠落 {m}日、少ない日 {l}日。', upload_deadline: 'アップロード期限：{d}', no_plan: 'アップロード期限は未設定です。',
  flag_ok: '正常', flag_missing: '欠落', flag_low: '少ない', flag_closed: '閉庁日', flag_future: '未到来',
  accounts_title: 'アカウント管理', account_add: 'アカウントを追加', account_name: 'アカウント名',
  account_name_rule: '半角英小文字・数字・「.」「_」「-」で64文字まで', password_rule: '12文字以上。アカウント名と同じものは使えません',
  account_added: 'アカウント {n} を追加しました', account_disable: '無効化', account_enable: '有効化',
  account_disabled: 'アカウント {n} を無効化しました', account_enabled: 'アカウント {n} を有効化しました',
  account_state: '状態', account_state_active: '有効', account_state_disabled: '無効', account_created: '作成',
  account_global: '全テナント', account_locked: '（{at}までロック中）', password_reset: 'パスワード再設定',
  new_password: '新しいパスワード', password_set: 'アカウント {n} のパスワードを設定しました（ログイン中のセッションは終了しました）',
};

const en = {
  app: 'tenken log inspection', skip: 'Skip to content', lang_switch: '日本語', lang_label: 'Language',
  logout: 'Log out', tenant: 'Tenant', user: 'User', role: 'Role',
  op_lookup: 'lookup', op_search: 'search', op_add: 'add', op_update: 'update', op_delete: 'delete', op_print: 'print',
  op_export: 'export', op_extract: 'extract', op_issue: 'issue', op_logon: 'logon', op_logoff: 'logoff',
  op_logon_failure: 'logon failure', op_media_copy: 'copy to media', op_media_move: 'move to media',
  op_device_connect: 'device connected', op_device_disconnect: 'device disconnected', op_other: 'other',
  res_success: 'success', res_failure: 'failure',
  role_uploader: 'Uploader', role_analyst: 'Analyst', role_reporter: 'Reporter', role_admin: 'Administrator',
  nav: 'Main menu', nav_upload: 'Upload logs', nav_uploads: 'Upload history', nav_cases: 'Cases to review',
  nav_tuning: 'Rules and thresholds', nav_analyses: 'Analyses and periods', nav_audit: 'Audit log', nav_accounts: 'Accounts',
  login_title: 'Log in', login_lead: 'The municipality\'s log inspection system. Log in with your staff account.',
  name: 'Account name', password: 'Password', login_btn: 'Log in', logging_in: 'Logging in…',
  wrong_credentials: 'Wrong account name or password.',
  locked: 'Too many failed logins: this account is locked for now. Try again in {s} seconds.',
  expired: 'Your session has expired. Please log in again.', logged_out: 'You have logged out.',
  forbidden_page: 'You may not open this page.', loading: 'Loading…', error: 'Error', retry: 'Retry',
  none: 'none', yes: 'yes', no: 'no', cancel: 'Cancel', save: 'Save', close: 'Close', back: 'Back',
  upload_title: 'Upload logs', upload_lead: 'Ingest an operation log (CSV) of a business system or terminal. The file is streamed as it is, never read into the browser.',
  drop: 'Drop a CSV file here', or_pick: 'or choose a file', file: 'File', profile: 'Source profile',
  profile_auto: 'Detect (from the file name and header line)', lenient: 'Store the good rows and list the bad ones',
  upload_btn: 'Upload', uploading: 'Sending', ingesting: 'Ingesting (the server checks the rows)…', progress: 'Progress',
  upload_done: 'The file was ingested.', upload_partial: 'The file was ingested without its bad rows.', upload_rejected: 'The file was not ingested.',
  rows_total: 'Rows', rows_accepted: 'Accepted', rows_rejected: 'Rejected', rows_skipped: 'Skipped', first_error: 'First error',
  error_report: 'Download the row-level error report (CSV)', duplicate: 'The same file is already stored (upload #{id}).',
  choose_file: 'Choose a file.', bytes_of: '{a} of {b}',
  uploads_title: 'Upload history', uploaded_at: 'Uploaded', uploaded_by: 'Uploaded by', status: 'Status', size: 'Size', period_of_rows: 'Data from–to',
  st_stored: 'stored', st_partial: 'partial', st_rejected: 'rejected', in_progress: 'Uploads in progress', detail: 'Details',
  delete: 'Delete', delete_confirm: 'Delete upload #{id} ({file}) and every row it stored?', deleted: 'Deleted.',
  prev: 'Previous', next: 'Next', page_of: '{a}–{b} of {c}', more: 'Show more',
  cases_title: 'Cases to review', period: 'Period', latest: 'latest', filters: 'Filters', entity_type: 'Entity type', et_user: 'staff', et_terminal: 'terminal',
  entity: 'Staff ID or terminal', system: 'System', dept: 'Department', rule: 'Rule', source: 'Source', src_rule: 'rule', src_model: 'model',
  min_score: 'Minimum score', triage_status: 'Triage status', all: 'all', apply: 'Apply', reset: 'Clear',
  rank: 'Rank', score: 'Score', severity: 'Severity', summary: 'Summary', days: 'days', entity_col: 'Entity',
  sev_critical: 'critical', sev_high: 'high', sev_medium: 'medium', sev_low: 'low',
  ts_new: 'new', ts_investigating: 'investigating', ts_confirmed: 'confirmed', ts_false_positive: 'false positive',
  select_all: 'Select all on this page', select_row: 'Select {id}', bulk: 'Triage status of the selected cases', bulk_apply: 'Record for all',
  selected: '{n} selected', comment: 'Comment', bulk_done: 'Recorded the status of {n} cases.', no_run: 'No analysis of this period yet.',
  total_cases: '{n} cases', notes: 'Notes of the analysis',
  case_title: 'Case {id}', explanation: 'Why it was found', findings: 'Findings', evidence: 'Evidence rows', triage: 'Record triage',
  history: 'Triage history', record: 'Record', suppress: 'False positive: suppress from now on', suppress_reason: 'Reason', suppress_expires: 'Expires',
  suppressed: 'Suppression stored; the next analysis honours it.', suppress_needs_fp: 'Set the status to false positive first.',
  triage_saved: 'Triage recorded.', value: 'Value', threshold: 'Threshold', own_normal: 'Own normal', peer_factor: 'Department season factor',
  z: 'Deviation (z)', feature: 'Feature', time: 'Time', user_col: 'Staff', terminal: 'Terminal', operation: 'Operation', function: 'Function', result: 'Result',
  resident: 'Resident (pseudonym)', file_col: 'File', open_entity: 'Open this staff member\'s activity', by_account: 'By', no_history: 'Nothing recorded yet.',
  model_note: 'The models score behaviour that departs from the person\'s own baseline and the department\'s seasonal trend.',
  rule_note: 'The rules find behaviour that meets conditions (thresholds) the city set.',
  entity_title: 'Activity of staff {id}', daily: 'Events per day against the normal band (baseline p10–p90)', tod: 'Time of day (daily mean, period vs baseline)',
  systems_used: 'Systems used', events: 'Events', baseline_period: 'Baseline', master: 'Staff record', cases_of: 'Cases of this staff member',
  active_days: 'Active days', section: 'Section', master_status: 'Status', this_period: 'Period', baseline_avg: 'Baseline',
  tuning_title: 'Rules and thresholds', rules_in_force: 'Rules in force', enabled: 'Enabled', params: 'Parameters', changed: 'changed', default: 'default',
  range: 'Range', edit: 'Change', preview: 'Preview the effect', previewing: 'Previewing (seconds to a minute)…', preview_result: 'Preview',
  findings_before_after: 'findings {a} → {b}', cases_before_after: 'cases {a} → {b}', added: 'Cases added', removed: 'Cases removed',
  apply_rule: 'Apply this setting', rule_saved: 'Rule {id} updated (version {v}).', baseline_settings: 'Baseline and model settings', setting: 'Setting',
  read_only: 'Read only (analysts and administrators change these)',
  analyses_title: 'Analyses and periods', start_analysis: 'Start analysis', from: 'From', to: 'To', jobs: 'Analysis jobs', state: 'State', stage: 'Stage',
  job_queued: 'queued', job_running: 'running', job_done: 'done', job_failed: 'failed', job_cancelled: 'cancelled',
  started_by: 'Started by', ps_analysed: 'analysed', ps_open: 'not analysed', ps_delivered: 'delivered', ps_frozen: 'frozen',
  cancel_job: 'Cancel', periods: 'Periods', runs: 'Runs', delivered: 'delivered', deliver: 'Deliver (freeze)', deliver_confirm: 'Deliver period {p}? Its triage can no longer change.',
  delivered_ok: 'Period {p} delivered.', started: 'Analysis started (job #{id}).', cases_n: 'Cases',
  audit_title: 'Audit log', actor: 'Actor', action: 'Action', target: 'Target', outcome: 'Outcome', address: 'Address', since: 'since', until: 'until',
  out_ok: 'ok', out_refused: 'refused', out_error: 'error', older: 'Older records',
  nav_reports: 'Reports', nav_confirm: 'Confirmations',
  reports_title: 'Reports', reports_lead: 'Download the inspection report (HTML, PDF) and the workbook of confirmation requests (Excel).',
  report_of: 'Report for {p}', report_html: 'Open HTML (new tab)', report_pdf: 'Download PDF', report_xlsx: 'Download confirmations (Excel)',
  report_note: 'The report is built from the latest analysis each time it is opened.', report_unknown: 'This period may not have been analysed. If there is no report, run an analysis first.',
  deliver_lead: 'Freeze the period whose report was delivered. It can no longer be re-analysed or triaged.',
  contract_title: 'Contract documents', contract_lead: 'The work plan and the completion report of a fiscal year (April to March), built from what tenken records; what it does not record is left blank to fill in.',
  fiscal_year: 'Fiscal year', plan_html: 'Work plan (HTML)', plan_pdf: 'Work plan (PDF)', completion_html: 'Completion report (HTML)', completion_pdf: 'Completion report (PDF)',
  annual_title: 'Annual review', annual_lead: 'The review of a fiscal year (April to March) in its six periods, for the annual meeting with the city, and the template of its minutes.', fy_label: 'FY{y}',
  table_label: 'Table: {cols}', list_sep: ', ', completeness_grid_label: 'Rows stored per system and day, {p}',
  fy_title: 'Yearly documents', fy_lead: 'The annual review and the contract documents below are those of the fiscal year (April to March) chosen here.',
  meeting_title: 'Review meeting of {y}', meeting_none: 'No review meeting is recorded for this year yet; the minutes and the completion report leave it blank.',
  meeting_date: 'Date', meeting_place: 'Place', meeting_attendees: 'Attendees', meeting_attendees_hint: 'One per line (city and contractor). E.g. Head of Resident Affairs, Taro Yamada',
  meeting_save: 'Save the meeting record', meeting_saved: 'Saved: the minutes and the completion report print it.', meeting_set: 'Recorded {at} by {who}',
  annual_html: 'Open the review (HTML)', annual_pdf: 'Review (PDF)', annual_xlsx: 'Tables (Excel)', minutes_pdf: 'Minutes template (PDF)', minutes_html: 'Minutes template (HTML)',
  confirm_title: 'Confirmation requests', confirm_lead: 'For each case, check the business reason and save the verdict, reason, confirmer and date. You can also fill in the Excel workbook and import it.',
  confirm_counts: '{a} of {n} answered', choose: 'Choose…', verdict: 'Verdict', verdict_justified: 'justified', verdict_inappropriate: 'inappropriate', verdict_investigating: 'investigating',
  unanswered: 'unanswered', reason: 'Business reason', reason_hint: 'Required for justified (at most 2000 characters)', confirmed_by: 'Confirmed by', confirmed_on: 'Confirmed on', answer_saved: 'Answer saved.',
  workbook: 'Workbook (Excel)', workbook_lead: 'Download the workbook, fill in verdict, reason, confirmer and date, and import it. One bad row and nothing is stored.',
  import_btn: 'Import', import_ok: '{n} answers saved ({u} unchanged, {b} blank).', sheet: 'Sheet', row_no: 'Row', column: 'Column', problem: 'Problem', more_issues: '{n} more problems.',
  completeness_title: 'Arrival of logs', completeness_sum: '{p}: {n} rows, {m} missing days, {l} low days.', upload_deadline: 'Upload deadline: {d}', no_plan: 'No upload deadline set.',
  flag_ok: 'ok', flag_missing: 'missing', flag_low: 'low', flag_closed: 'closed', flag_future: 'not yet',
  accounts_title: 'Accounts', account_add: 'Add an account', account_name: 'Account name',
  account_name_rule: 'a-z, 0-9, ".", "_" and "-", up to 64 characters', password_rule: 'At least 12 characters, not the account name',
  account_added: 'Account {n} added', account_disable: 'Disable', account_enable: 'Enable',
  account_disabled: 'Account {n} disabled', account_enabled: 'Account {n} enabled',
  account_state: 'State', account_state_active: 'active', account_state_disabled: 'disabled', account_created: 'Created',
  account_global: 'all tenants', account_locked: '(locked until {at})', password_reset: 'Reset password',
  new_password: 'New password', password_set: 'Password of {n} set (its sessions ended)',
};


// The words of case explanations (the keys and values models/rules and
// models/analysis write, docs/rules.md, docs/models.md), of the entity and
// tuning pages' charts and settings: ex_KEY names a key, exv_VALUE a coded
// value; kept apart so the pages' dictionaries above stay short.
Object.assign(ja, {
  ex_dept: '所属', ex_device: 'デバイス', ex_events: '件数', ex_systems: 'システム', ex_system: 'システム',
  ex_terminal_kind: '端末の種別', ex_terminals: '端末', ex_terminal: '端末', ex_users: '職員', ex_users_total: '職員数',
  ex_time_from: '最初の操作', ex_time_to: '最後の操作', ex_relationship: '住民との関係',
  ex_dept_authorised: '所属に業務の権限あり', ex_processed: '処理の記録あり', ex_caseload: '担当の案件', ex_lookup_only: '照会のみ',
  ex_different_depts: '異なる所属', ex_overlap_hours: '重なった時間（時間）', ex_terminal_depts: '端末の所属',
  ex_window_days: '対象の日数', ex_window_minutes: '対象の時間（分）', ex_hours: '勤務時間', ex_hours_from: '勤務時間の根拠',
  ex_chance: '偶然に起こる確率', ex_return_rate: '再照会の割合', ex_span_days: '期間（日数）', ex_training: '研修',
  ex_account: 'アカウント', ex_from: '開始', ex_to: '終了', ex_name: '名称', ex_block: '町丁（仮名）', ex_explained: '業務で説明できる',
  ex_explained_events: '説明できる件数', ex_processed_on: '処理日', ex_history_days: '履歴の日数', ex_mean: '平均', ex_long_median: '長期の中央値',
  ex_item: '項目', ex_resident: '住民（仮名）', ex_level: '単位', ex_registered: '登録済みの端末', ex_day: '日', ex_context: '業務上の事情',
  ex_model_score: 'モデルのスコア', ex_value: '値', ex_threshold: '閾値', ex_unit: '単位', ex_user: '職員', ex_kind: '種別',
  ex_first_day: '初日', ex_last_day: '最終日', ex_dispersion: 'ばらつき', ex_p: '確率', ex_hour: '時', ex_note: '注記',
  ex_p_own: '本人の履歴での確率', ex_p_peer: '同じ所属での確率', ex_terminal_baseline_mean: '端末の通常の平均',
  ex_user_baseline_expected: '本人の通常の値', ex_dept_season_factor: '所属・季節の係数', ex_z: '偏差（z）',
  ex_peer_median_today: '同じ所属の当日中央値', ex_feature_surprise: '特徴の意外さ', ex_raw: '素点',
  ex_iforest_score: 'Isolation Forest のスコア', ex_iforest_surprise: 'Isolation Forest の意外さ', ex_mahalanobis_surprise: 'マハラノビス距離の意外さ',
  ex_time_of_day_surprise: '時間帯の意外さ', ex_hour_events: 'その時間の件数', ex_hour_expected: 'その時間の通常の件数',
  ex_baseline_working_days: '基準期間の稼働日数', ex_period_working_days: '点検期間の稼働日数', ex_active_days_used: '使った稼働日数',
  ex_early_days: '早い時間の日数', ex_baseline_early_share: '基準期間の早い時間の割合', ex_evidence_day: '根拠の日',
  ex_history_windows: '履歴の区間数', ex_baseline_start: '基準期間の開始', ex_period_start: '点検期間の開始', ex_time_of_day: '時間帯',
  ex_components: 'スコアの内訳', ex_models: 'モデル', ex_rules: 'ルール',
  'exv_terminal-day': '端末・日', 'exv_user-day': '職員・日', 'exv_user-period': '職員・期間', 'exv_terminal-period': '端末・期間',
  exv_default: '既定の勤務時間', exv_calendar: 'カレンダー', exv_dept_hours: '所属の勤務時間',
  exv_mynumber: '特定個人情報', exv_general: '一般', exv_unknown: '不明',
  exv_active: '在籍', exv_leave: '休職中', exv_retired: '退職', exv_not_hired: '採用前', exv_unlisted: '名簿になし',
  entity_title_terminal: '端末 {id} の活動', cases_of_terminal: 'この端末の事案', master_terminal: '端末情報',
  terminal_kind: '端末の種別', registered: '登録', chart_daily: '日ごとの操作件数と通常の範囲（基準期間の10〜90%）',
  chart_hours: '曜日・時間帯別の操作件数（点検期間）', chart_systems: '利用したシステム（件数）',
  chart_daily_alt: '{id} の日ごとの操作件数のグラフ（{p}）。通常の範囲を超えた日に印。', chart_hours_alt: '{id} の曜日・時間帯別の操作件数のヒートマップ（{p}）',
  chart_systems_alt: '{id} が利用したシステムごとの件数の棒グラフ（{p}）', chart_case: '対象の日ごとの操作件数（事案の日に網掛け）',
  chart_case_alt: '事案 {id} の対象の日ごとの操作件数のグラフ。事案の日に網掛け。', chart_trends: '月ごとの事案数（重大度別）',
  chart_trends_alt: '{p} の月ごとの事案数を重大度別に積み上げた棒グラフ', chart_failed: 'グラフを表示できませんでした。',
  bs_save: '設定を保存', bs_saved: '基準期間とモデルの設定を保存しました（版 {v}）。', bs_version: '版 {v}（{at}、{by}）', bs_default_version: '既定値のまま（変更なし）',
  bs_nothing: '変更がありません。', bs_reset: '既定値に戻す', bs_reset_confirm: 'すべての設定を既定値に戻します。よろしいですか。',
  bs_range_error: '{min}〜{max} の範囲で入力してください。', bulk_failed: '{n}件の事案に記録できなかったため、何も記録していません。',
});
Object.assign(en, {
  ex_dept: 'Department', ex_device: 'Device', ex_events: 'Events', ex_systems: 'Systems', ex_system: 'System',
  ex_terminal_kind: 'Terminal kind', ex_terminals: 'Terminals', ex_terminal: 'Terminal', ex_users: 'Staff', ex_users_total: 'Staff (total)',
  ex_time_from: 'First event', ex_time_to: 'Last event', ex_relationship: 'Relationship to the resident',
  ex_dept_authorised: 'Department authorised', ex_processed: 'Processing on record', ex_caseload: 'In the caseload', ex_lookup_only: 'Look-ups only',
  ex_different_depts: 'Different departments', ex_overlap_hours: 'Overlap (hours)', ex_terminal_depts: "Terminals' departments",
  ex_window_days: 'Window (days)', ex_window_minutes: 'Window (minutes)', ex_hours: 'Office hours', ex_hours_from: 'Hours taken from',
  ex_chance: 'Chance', ex_return_rate: 'Return rate', ex_span_days: 'Span (days)', ex_training: 'Training',
  ex_account: 'Account', ex_from: 'From', ex_to: 'To', ex_name: 'Name', ex_block: 'Block (pseudonym)', ex_explained: 'Explained by work',
  ex_explained_events: 'Explained events', ex_processed_on: 'Processed on', ex_history_days: 'History (days)', ex_mean: 'Mean', ex_long_median: 'Long-term median',
  ex_item: 'Item', ex_resident: 'Resident (pseudonym)', ex_level: 'Level', ex_registered: 'Registered terminal', ex_day: 'Day', ex_context: 'Context',
  ex_model_score: 'Model score', ex_value: 'Value', ex_threshold: 'Threshold', ex_unit: 'Unit', ex_user: 'Staff', ex_kind: 'Kind',
  ex_first_day: 'First day', ex_last_day: 'Last day', ex_dispersion: 'Dispersion', ex_p: 'Probability', ex_hour: 'Hour', ex_note: 'Note',
  ex_p_own: 'p (own history)', ex_p_peer: 'p (department)', ex_terminal_baseline_mean: "Terminal's usual mean",
  ex_user_baseline_expected: 'Usual value', ex_dept_season_factor: 'Department/season factor', ex_z: 'z',
  ex_peer_median_today: "Department's median today", ex_feature_surprise: 'Feature surprise', ex_raw: 'Raw score',
  ex_iforest_score: 'Isolation forest score', ex_iforest_surprise: 'Isolation forest surprise', ex_mahalanobis_surprise: 'Mahalanobis surprise',
  ex_time_of_day_surprise: 'Time-of-day surprise', ex_hour_events: 'Events that hour', ex_hour_expected: 'Usual events that hour',
  ex_baseline_working_days: 'Baseline working days', ex_period_working_days: 'Period working days', ex_active_days_used: 'Active days used',
  ex_early_days: 'Early days', ex_baseline_early_share: 'Baseline early share', ex_evidence_day: 'Evidence day',
  ex_history_windows: 'History windows', ex_baseline_start: 'Baseline start', ex_period_start: 'Period start', ex_time_of_day: 'Time of day',
  ex_components: 'Score components', ex_models: 'Models', ex_rules: 'Rules',
  'exv_terminal-day': 'terminal-day', 'exv_user-day': 'staff-day', 'exv_user-period': 'staff-period', 'exv_terminal-period': 'terminal-period',
  exv_default: 'default office hours', exv_calendar: 'calendar', exv_dept_hours: "department's hours",
  exv_mynumber: 'My Number', exv_general: 'general', exv_unknown: 'unknown',
  exv_active: 'active', exv_leave: 'on leave', exv_retired: 'retired', exv_not_hired: 'not yet hired', exv_unlisted: 'not listed',
  entity_title_terminal: 'Activity of terminal {id}', cases_of_terminal: 'Cases of this terminal', master_terminal: 'Terminal record',
  terminal_kind: 'Terminal kind', registered: 'Registered', chart_daily: 'Events per day against the usual range (baseline p10–p90)',
  chart_hours: 'Events by weekday and hour (period)', chart_systems: 'Systems used (events)',
  chart_daily_alt: 'Chart of the events per day of {id} ({p}); days above the usual range marked.', chart_hours_alt: 'Heat map of the events of {id} by weekday and hour ({p})',
  chart_systems_alt: 'Bar chart of the events of {id} per system ({p})', chart_case: 'Events per day of the entity (the days of the case shaded)',
  chart_case_alt: 'Chart of the events per day of the entity of case {id}; the days of the case shaded.', chart_trends: 'Cases per month (by severity)',
  chart_trends_alt: 'Stacked bar chart of the cases per month by severity, {p}', chart_failed: 'The chart could not be shown.',
  bs_save: 'Save the settings', bs_saved: 'Baseline and model settings saved (version {v}).', bs_version: 'Version {v} ({at}, {by})', bs_default_version: 'Defaults (never changed)',
  bs_nothing: 'Nothing changed.', bs_reset: 'Back to the defaults', bs_reset_confirm: 'Put every setting back to its default?',
  bs_range_error: 'Enter a value from {min} to {max}.', bulk_failed: '{n} cases could not take the decision, so nothing was recorded.',
});

const dicts = { ja, en };
let lang = 'ja';
try {
  if (localStorage.getItem('tenken.lang') === 'en') lang = 'en';
} catch (e) { /* storage disabled: Japanese */ }

export function getLang() { return lang; }

export function setLang(l) {
  lang = l === 'en' ? 'en' : 'ja';
  try { localStorage.setItem('tenken.lang', lang); } catch (e) { /* not kept */ }
  document.documentElement.lang = lang;
}

// t('key', {n: 3}) -- the word in the current language, {names} filled in.
export function t(key, vars) {
  let s = dicts[lang][key] ?? dicts.ja[key] ?? key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
  return s;
}

// 1 if key has words in the current language (or in Japanese).
export function has(key) { return key in dicts[lang] || key in dicts.ja; }

export function numberFmt(n, digits) {
  if (n === null || n === undefined) return '—';
  return Number(n).toLocaleString(lang === 'en' ? 'en-US' : 'ja-JP',
    digits === undefined ? undefined : { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function timeFmt(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(lang === 'en' ? 'en-GB' : 'ja-JP', { timeZone: 'Asia/Tokyo', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
}

export function bytesFmt(n) {
  if (n === null || n === undefined) return '—';
  const u = ['B', 'KB', 'MB', 'GB'];
  let i = 0; let v = n;
  while (v >= 1024 && i < u.length - 1) { v /= 1024; i++; }
  return (i ? v.toFixed(1) : String(v)) + ' ' + u[i];
}

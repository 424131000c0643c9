/* tests/anomalies_v1.h -- fixtures write ranked items as one row.
 *
 * A stored item is a row of `anomalies` and its explanation a row of
 * `anomaly_explanations` (models/analysis.c). Tests that write items by
 * hand insert into the temporary view anomalies_v1 instead, with the
 * explanation as one more column: TK_TEST_ANOMALIES_V1 is SQL that creates
 * the view and its trigger on the connection, to put in front of the
 * INSERT in the same tk_db_exec() string. */
#ifndef TK_TEST_ANOMALIES_V1_H
#define TK_TEST_ANOMALIES_V1_H

#define TK_TEST_ANOMALIES_V1                                                                       \
    "CREATE TEMP VIEW IF NOT EXISTS anomalies_v1 AS SELECT a.*, e.explanation"                     \
    " FROM anomalies a LEFT JOIN anomaly_explanations e ON e.id = a.id;"                           \
    "CREATE TEMP TRIGGER IF NOT EXISTS anomalies_v1_insert INSTEAD OF INSERT ON anomalies_v1"      \
    " BEGIN"                                                                                       \
    " INSERT INTO anomalies(run_id, rank, entity_type, entity_id, day, score, source, rule_id,"    \
    "  severity, summary, first_day, last_day, days, rules, findings)"                             \
    "  VALUES(NEW.run_id, NEW.rank, NEW.entity_type, NEW.entity_id, NEW.day, NEW.score,"           \
    "  NEW.source, NEW.rule_id, NEW.severity, NEW.summary, NEW.first_day, NEW.last_day,"           \
    "  NEW.days, NEW.rules, NEW.findings);"                                                        \
    " INSERT INTO anomaly_explanations(id, explanation)"                                           \
    "  VALUES(last_insert_rowid(), NEW.explanation);"                                              \
    " END;"

#endif

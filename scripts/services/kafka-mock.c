/*
 * A Kafka-protocol broker on loopback for tests, built on librdkafka's mock
 * cluster. Debian packages no Kafka broker, and the mock cluster speaks enough
 * of the protocol for kafkajs producers, consumer groups and offset commits.
 *
 * usage: kafka-mock [-b brokers] [-p partitions] [topic ...]
 *
 * The application topics are always created; extra names on the command line
 * are added. Admin requests (CreateTopics, DeleteTopics, DescribeGroups) are
 * not implemented by the mock, but a metadata request for an unknown topic
 * creates it (4 partitions), so a producer or consumer may use fresh names.
 * Prints the bootstrap servers on one line, then serves until SIGTERM/SIGINT.
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const char *app_topics[] = {"chat.events", "usage.events", "ingest.jobs",
                                   "ingest.dlq"};

static void create_topic(rd_kafka_mock_cluster_t *mc, const char *name,
                         int partitions, int replication) {
  rd_kafka_resp_err_t err =
      rd_kafka_mock_topic_create(mc, name, partitions, replication);
  if (err) {
    fprintf(stderr, "kafka-mock: cannot create topic %s: %s\n", name,
            rd_kafka_err2str(err));
    exit(1);
  }
}

static rd_kafka_t *new_handle(void) {
  char errstr[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  /* The handle only hosts the mock cluster; its own client chatter is noise. */
  if (rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr)) {
    fprintf(stderr, "kafka-mock: %s\n", errstr);
    exit(1);
  }
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!rk) {
    fprintf(stderr, "kafka-mock: %s\n", errstr);
    exit(1);
  }
  return rk;
}

int main(int argc, char **argv) {
  int brokers = 1, partitions = 3, opt;
  while ((opt = getopt(argc, argv, "b:p:")) != -1) {
    switch (opt) {
    case 'b': brokers = atoi(optarg); break;
    case 'p': partitions = atoi(optarg); break;
    default:
      fprintf(stderr, "usage: %s [-b brokers] [-p partitions] [topic ...]\n",
              argv[0]);
      return 2;
    }
  }
  if (brokers < 1 || partitions < 1) {
    fprintf(stderr, "kafka-mock: brokers and partitions must be >= 1\n");
    return 2;
  }

  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  /* Blocked before librdkafka starts its threads so they inherit the mask and
   * the signal reaches sigwait below. */
  pthread_sigmask(SIG_BLOCK, &stop, NULL);

  rd_kafka_t *rk = new_handle();
  rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, brokers);
  if (!mc) {
    fprintf(stderr, "kafka-mock: cannot start the mock cluster\n");
    return 1;
  }
  int replication = brokers < 3 ? brokers : 3;
  for (size_t i = 0; i < sizeof app_topics / sizeof *app_topics; i++)
    create_topic(mc, app_topics[i], partitions, replication);
  for (int i = optind; i < argc; i++)
    create_topic(mc, argv[i], partitions, replication);

  printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
  fflush(stdout);

  int sig;
  sigwait(&stop, &sig);
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
  return 0;
}

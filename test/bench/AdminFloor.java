import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The floor `npm run bench` compares msk-gitops with: the same workload done by hand with Kafka's own Java
 * AdminClient, nothing else. It reads the cluster once (ListTopics, one DescribeConfigs of the workload's topics that
 * exist, one DescribeAcls with an ANY filter), then creates what is missing: every missing topic in one CreateTopics,
 * the missing bindings in CreateAcls requests of 1,000. Run from empty it converges; run again it is the no-op.
 *
 * Usage: java -cp CLASSES:KAFKA_LIBS/* AdminFloor WORKLOAD_FILE, with MSK_GITOPS_BENCH_BOOTSTRAP,
 * MSK_GITOPS_BENCH_USERNAME and MSK_GITOPS_BENCH_PASSWORD (SASL_PLAINTEXT, SCRAM-SHA-512) in the environment. The
 * workload file has one line per topic ("topic NAME PARTITIONS RF KEY=VALUE,...") and per binding ("acl PRINCIPAL
 * RESOURCE_TYPE RESOURCE_NAME OPERATION"), tab-separated. It prints one line: FLOOR_RESULT {json}.
 */
public final class AdminFloor {
  private static final int ACLS_PER_REQUEST = 1000;

  public static void main(String[] args) throws Exception {
    List<NewTopic> topics = new ArrayList<>();
    List<AclBinding> bindings = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8)) {
      String[] f = line.split("\t");
      if (f[0].equals("topic")) {
        Map<String, String> configs = new HashMap<>();
        if (f.length > 4 && !f[4].isEmpty()) {
          for (String pair : f[4].split(",")) {
            String[] kv = pair.split("=", 2);
            configs.put(kv[0], kv[1]);
          }
        }
        topics.add(new NewTopic(f[1], Integer.parseInt(f[2]), Short.parseShort(f[3])).configs(configs));
      } else if (f[0].equals("acl")) {
        ResourcePattern pattern =
            new ResourcePattern(ResourceType.fromString(f[2]), f[3], PatternType.LITERAL);
        AccessControlEntry entry =
            new AccessControlEntry(f[1], "*", AclOperation.fromString(f[4]), AclPermissionType.ALLOW);
        bindings.add(new AclBinding(pattern, entry));
      }
    }

    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, System.getenv("MSK_GITOPS_BENCH_BOOTSTRAP"));
    props.put(AdminClientConfig.CLIENT_ID_CONFIG, "msk-gitops-bench-floor");
    props.put("security.protocol", "SASL_PLAINTEXT");
    props.put("sasl.mechanism", "SCRAM-SHA-512");
    props.put(
        "sasl.jaas.config",
        "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
            + System.getenv("MSK_GITOPS_BENCH_USERNAME")
            + "\" password=\""
            + System.getenv("MSK_GITOPS_BENCH_PASSWORD")
            + "\";");

    int createdTopics = 0;
    int createdAcls = 0;
    int createAclRequests = 0;
    double requests = 0;
    try (Admin admin = Admin.create(props)) {
      Set<String> existing = admin.listTopics().names().get();
      List<ConfigResource> described = new ArrayList<>();
      for (NewTopic topic : topics) {
        if (existing.contains(topic.name())) {
          described.add(new ConfigResource(ConfigResource.Type.TOPIC, topic.name()));
        }
      }
      Map<ConfigResource, Config> configs =
          described.isEmpty() ? Map.of() : admin.describeConfigs(described).all().get();
      Set<AclBinding> live = new HashSet<>(admin.describeAcls(AclBindingFilter.ANY).values().get());

      List<NewTopic> missingTopics = new ArrayList<>();
      for (NewTopic topic : topics) {
        if (!existing.contains(topic.name())) {
          missingTopics.add(topic);
          continue;
        }
        Config config = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, topic.name()));
        for (Map.Entry<String, String> wanted : topic.configs().entrySet()) {
          ConfigEntry entry = config.get(wanted.getKey());
          if (entry == null || !wanted.getValue().equals(entry.value())) {
            throw new IllegalStateException(
                "topic " + topic.name() + " has " + wanted.getKey() + "=" + (entry == null ? null : entry.value()));
          }
        }
      }
      if (!missingTopics.isEmpty()) {
        admin.createTopics(missingTopics).all().get();
        createdTopics = missingTopics.size();
      }

      List<AclBinding> missingAcls = new ArrayList<>();
      for (AclBinding binding : bindings) {
        if (!live.contains(binding)) missingAcls.add(binding);
      }
      for (int i = 0; i < missingAcls.size(); i += ACLS_PER_REQUEST) {
        Collection<AclBinding> chunk = missingAcls.subList(i, Math.min(missingAcls.size(), i + ACLS_PER_REQUEST));
        admin.createAcls(chunk).all().get();
        createAclRequests++;
      }
      createdAcls = missingAcls.size();

      for (Map.Entry<MetricName, ? extends Metric> metric : admin.metrics().entrySet()) {
        MetricName name = metric.getKey();
        if (name.group().equals("admin-client-metrics") && name.name().equals("request-total")) {
          requests += ((Number) metric.getValue().metricValue()).doubleValue();
        }
      }
    }

    System.out.println(
        "FLOOR_RESULT {\"createdTopics\":"
            + createdTopics
            + ",\"createdAcls\":"
            + createdAcls
            + ",\"createAclRequests\":"
            + createAclRequests
            + ",\"requests\":"
            + Math.round(requests)
            + ",\"peakRssKiB\":"
            + peakRssKiB()
            + "}");
  }

  /** VmHWM: the most this process ever held resident (Linux). */
  private static long peakRssKiB() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
    }
    return -1;
  }
}

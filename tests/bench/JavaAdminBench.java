// The official Java admin client's side of the benchmark (run by rmq-bench): the same operations
// as the console's core, warm, in one JVM, timed per iteration. Prints one JSON line per operation:
// {"op": "...", "samplesMs": [...]}.
//
// usage: java -cp 'lib/*:.' JavaAdminBench NAMESRV ITERATIONS DETAIL_TOPIC OPERATION...
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.rocketmq.remoting.protocol.body.ClusterInfo;
import org.apache.rocketmq.common.TopicConfig;
import org.apache.rocketmq.remoting.protocol.body.KVTable;
import org.apache.rocketmq.remoting.protocol.body.TopicConfigSerializeWrapper;
import org.apache.rocketmq.remoting.protocol.body.TopicList;
import org.apache.rocketmq.remoting.protocol.route.BrokerData;
import org.apache.rocketmq.remoting.protocol.route.TopicRouteData;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;
import org.apache.rocketmq.client.QueryResult;
import org.apache.rocketmq.client.consumer.DefaultMQPullConsumer;
import org.apache.rocketmq.client.consumer.PullResult;
import org.apache.rocketmq.client.consumer.PullStatus;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

public class JavaAdminBench {
    interface Op {
        void run() throws Exception;
    }

    interface Call<T> {
        T get() throws Exception;
    }

    static <T> T call(Call<T> c) {
        try {
            return c.get();
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    static boolean contains(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) continue outer;
            }
            return true;
        }
        return false;
    }

    public static void main(String[] args) throws Exception {
        String namesrv = args[0];
        int iterations = Integer.parseInt(args[1]);
        String detailTopic = args[2];
        String group = System.getProperty("bench.group", "BenchG00000");
        DefaultMQAdminExt admin = new DefaultMQAdminExt(5000);
        admin.setNamesrvAddr(namesrv);
        admin.setInstanceName("rmq-bench-java-" + System.nanoTime());
        admin.start();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        String[] note = {null};
        List<DefaultMQPullConsumer> pullers = new ArrayList<>();
        try {
            for (int a = 3; a < args.length; a++) {
                String name = args[a];
                Op op;
                switch (name) {
                    case "cluster-overview":
                        // What the console's Overview does: the cluster table, every name server
                        // probed, every broker's runtime stats, in parallel.
                        op = () -> {
                            ClusterInfo info = admin.examineBrokerClusterInfo();
                            List<CompletableFuture<?>> stats = new ArrayList<>();
                            for (String ns : admin.getNameServerAddressList()) {
                                stats.add(CompletableFuture.runAsync(() -> {
                                    try {
                                        admin.getNameServerConfig(List.of(ns));
                                    } catch (Exception e) {
                                        throw new RuntimeException(e);
                                    }
                                }, pool));
                            }
                            for (BrokerData b : info.getBrokerAddrTable().values()) {
                                for (Map.Entry<Long, String> e : b.getBrokerAddrs().entrySet()) {
                                    stats.add(CompletableFuture.supplyAsync(() -> {
                                        try {
                                            return admin.fetchBrokerRuntimeStats(e.getValue());
                                        } catch (Exception ex) {
                                            throw new RuntimeException(ex);
                                        }
                                    }, pool));
                                }
                            }
                            for (CompletableFuture<?> f : stats) {
                                f.join();
                            }
                        };
                        break;
                    case "topic-list":
                        // The console's batched list: name-server topic list, system topics, order
                        // config, and one all-topic-config call per master, in parallel; then typed.
                        op = () -> {
                            CompletableFuture<TopicList> all = CompletableFuture.supplyAsync(() -> call(admin::fetchAllTopicList), pool);
                            CompletableFuture<TopicList> sys = CompletableFuture.supplyAsync(() -> call(() -> admin.getDefaultMQAdminExtImpl().getMqClientInstance().getMQClientAPIImpl().getSystemTopicList(5000)), pool);
                            CompletableFuture<KVTable> order = CompletableFuture.supplyAsync(() -> {
                                try {
                                    return admin.getKVListByNamespace("ORDER_TOPIC_CONFIG");
                                } catch (Exception e) {
                                    return new KVTable(); // no such namespace yet
                                }
                            }, pool);
                            ClusterInfo info = admin.examineBrokerClusterInfo();
                            List<CompletableFuture<TopicConfigSerializeWrapper>> configs = new ArrayList<>();
                            for (BrokerData b : info.getBrokerAddrTable().values()) {
                                String master = b.getBrokerAddrs().get(0L);
                                if (master != null) {
                                    configs.add(CompletableFuture.supplyAsync(() -> call(() -> admin.getAllTopicConfig(master, 5000)), pool));
                                }
                            }
                            Set<String> system = sys.join().getTopicList();
                            Map<String, String> types = new HashMap<>();
                            for (CompletableFuture<TopicConfigSerializeWrapper> f : configs) {
                                for (TopicConfig c : f.join().getTopicConfigTable().values()) {
                                    String t = c.getTopicName();
                                    String type = system.contains(t) ? "system"
                                        : t.startsWith("%RETRY%") ? "retry"
                                        : t.startsWith("%DLQ%") ? "dlq"
                                        : c.getAttributes().getOrDefault("message.type", "NORMAL");
                                    types.put(t, type);
                                }
                            }
                            order.join();
                            for (String t : all.join().getTopicList()) {
                                types.putIfAbsent(t, "unknown");
                            }
                        };
                        break;
                    case "topic-detail":
                        // A topic's route and per-queue stats (the Java client asks each broker).
                        op = () -> {
                            TopicRouteData route = admin.examineTopicRouteInfo(detailTopic);
                            admin.examineTopicStats(detailTopic);
                            route.getQueueDatas().size();
                        };
                        break;
                    case "group-list":
                    case "group-lag": {
                        // Every master's subscription groups and broker-wide consume stats, in
                        // parallel; for group-list also each group's connections (16 threads).
                        final boolean clients = name.equals("group-list");
                        op = () -> {
                            ClusterInfo info = admin.examineBrokerClusterInfo();
                            List<CompletableFuture<Map<String, String>>> per = new ArrayList<>();
                            for (BrokerData b : info.getBrokerAddrTable().values()) {
                                String addr = b.getBrokerAddrs().get(0L);
                                if (addr == null) continue;
                                per.add(CompletableFuture.supplyAsync(() -> {
                                    Map<String, String> groups = new HashMap<>();
                                    CompletableFuture<?> stats = CompletableFuture.runAsync(() -> call(() -> admin.fetchConsumeStatsInBroker(addr, false, 5000)), pool);
                                    for (String g : call(() -> admin.getAllSubscriptionGroup(addr, 5000)).getSubscriptionGroupTable().keySet()) groups.put(g, addr);
                                    stats.join();
                                    return groups;
                                }, pool));
                            }
                            Map<String, String> groups = new HashMap<>();
                            for (CompletableFuture<Map<String, String>> f : per) groups.putAll(f.join());
                            if (clients) {
                                List<CompletableFuture<?>> conns = new ArrayList<>();
                                for (Map.Entry<String, String> e : groups.entrySet()) {
                                    conns.add(CompletableFuture.runAsync(() -> {
                                        try {
                                            admin.examineConsumerConnectionInfo(e.getKey(), e.getValue());
                                        } catch (Exception offline) {
                                            // no client online
                                        }
                                    }, pool));
                                }
                                for (CompletableFuture<?> f : conns) f.join();
                            }
                        };
                        break;
                    }
                    case "group-detail":
                        // Consume stats of every topic, connections, retry and DLQ topic stats.
                        op = () -> {
                            admin.examineConsumeStats(group);
                            for (Call<?> c : List.<Call<?>>of(() -> admin.examineConsumerConnectionInfo(group),
                                    () -> admin.examineTopicStats("%RETRY%" + group), () -> admin.examineTopicStats("%DLQ%" + group))) {
                                try {
                                    c.get();
                                } catch (Exception missing) {
                                    // offline group, or no such topic
                                }
                            }
                        };
                        break;
                    case "offset-reset": {
                        // Alternately to the earliest and the latest offset (no preview, no read-back).
                        final int[] n = {0};
                        op = () -> admin.resetOffsetByTimestamp(detailTopic, group, n[0]++ % 2 == 0 ? 0L : System.currentTimeMillis(), true);
                        break;
                    }
                    case "key-lookup": {
                        // The admin client's key query (every broker; it keeps hits whose keys match).
                        String topic = System.getProperty("bench.msgTopic");
                        String key = System.getProperty("bench.msgKey");
                        op = () -> {
                            QueryResult r = admin.queryMessage(topic, key, 1000, 0, Long.MAX_VALUE);
                            note[0] = r.getMessageList().size() + " hits";
                        };
                        break;
                    }
                    case "trace-lookup": {
                        // What mqadmin queryMsgTraceById does: the trace topic's key query by the
                        // message id, every trace message decoded, the records of that message kept.
                        String id = System.getProperty("bench.traceId");
                        op = () -> {
                            QueryResult r = admin.queryMessage("RMQ_SYS_TRACE_TOPIC", id, 10000, 0, Long.MAX_VALUE);
                            int records = 0;
                            for (MessageExt m : r.getMessageList()) {
                                for (org.apache.rocketmq.client.trace.TraceContext c : org.apache.rocketmq.client.trace.TraceDataEncoder
                                    .decoderFromTraceDataString(new String(m.getBody(), StandardCharsets.UTF_8))) {
                                    for (org.apache.rocketmq.client.trace.TraceBean b : c.getTraceBeans()) {
                                        if (id.equals(b.getMsgId())) records++;
                                    }
                                }
                            }
                            note[0] = records + " records";
                        };
                        break;
                    }
                    case "scan": {
                        // What a Java tool does to scan a topic: a pull consumer over every queue, 16
                        // queues at a time, 32 messages a pull, the body filter applied to each message.
                        String topic = System.getProperty("bench.scanTopic");
                        byte[] needle = System.getProperty("bench.bodyFilter").getBytes(StandardCharsets.UTF_8);
                        DefaultMQPullConsumer pull = new DefaultMQPullConsumer("TOOLS_CONSUMER");
                        pull.setNamesrvAddr(namesrv);
                        pull.setInstanceName("rmq-bench-pull-" + System.nanoTime());
                        pull.start();
                        pullers.add(pull);
                        op = () -> {
                            AtomicLong scanned = new AtomicLong();
                            AtomicLong matched = new AtomicLong();
                            List<CompletableFuture<?>> all = new ArrayList<>();
                            for (MessageQueue mq : pull.fetchSubscribeMessageQueues(topic)) {
                                all.add(CompletableFuture.runAsync(() -> {
                                    try {
                                        long at = pull.minOffset(mq);
                                        long max = pull.maxOffset(mq);
                                        while (at < max) {
                                            PullResult r = pull.pull(mq, "*", at, 32);
                                            if (r.getPullStatus() == PullStatus.FOUND) {
                                                for (MessageExt m : r.getMsgFoundList()) {
                                                    scanned.incrementAndGet();
                                                    if (contains(m.getBody(), needle)) matched.incrementAndGet();
                                                }
                                            }
                                            if (r.getNextBeginOffset() <= at) break;
                                            at = r.getNextBeginOffset();
                                        }
                                    } catch (Exception e) {
                                        throw new RuntimeException(e);
                                    }
                                }, pool));
                            }
                            CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).join();
                            note[0] = scanned.get() + " messages, " + matched.get() + " matched";
                        };
                        break;
                    }
                    default:
                        throw new IllegalArgumentException("unknown operation " + name);
                }
                boolean heavy = name.equals("scan");
                int runs = heavy ? Integer.getInteger("bench.heavyIterations", 3) : iterations;
                for (int i = 0; i < (heavy ? 1 : Math.max(3, iterations / 5)); i++) {
                    op.run(); // warm-up: JIT, connections
                }
                StringBuilder sb = new StringBuilder("{\"op\":\"" + name + "\",\"samplesMs\":[");
                for (int i = 0; i < runs; i++) {
                    long t = System.nanoTime();
                    op.run();
                    double ms = (System.nanoTime() - t) / 1e6;
                    sb.append(i == 0 ? "" : ",").append(String.format(java.util.Locale.ROOT, "%.3f", ms));
                }
                sb.append("]");
                if (note[0] != null) sb.append(",\"note\":\"").append(note[0]).append("\"");
                note[0] = null;
                System.out.println(sb.append("}"));
            }
        } finally {
            for (DefaultMQPullConsumer p : pullers) p.shutdown();
            pool.shutdownNow();
            admin.shutdown();
        }
    }
}

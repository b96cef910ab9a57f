// The official Java admin client's side of the benchmark (run by rmq-bench): the same operations
// as the console's core, warm, in one JVM, timed per iteration. Prints one JSON line per operation:
// {"op": "...", "samplesMs": [...]}.
//
// usage: java -cp 'lib/*:.' JavaAdminBench NAMESRV ITERATIONS OPERATION...
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.rocketmq.remoting.protocol.body.ClusterInfo;
import org.apache.rocketmq.remoting.protocol.body.KVTable;
import org.apache.rocketmq.remoting.protocol.route.BrokerData;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;

public class JavaAdminBench {
    interface Op {
        void run() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        String namesrv = args[0];
        int iterations = Integer.parseInt(args[1]);
        DefaultMQAdminExt admin = new DefaultMQAdminExt(5000);
        admin.setNamesrvAddr(namesrv);
        admin.setInstanceName("rmq-bench-java-" + System.nanoTime());
        admin.start();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            for (int a = 2; a < args.length; a++) {
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
                    default:
                        throw new IllegalArgumentException("unknown operation " + name);
                }
                for (int i = 0; i < Math.max(3, iterations / 5); i++) {
                    op.run(); // warm-up: JIT, connections
                }
                StringBuilder sb = new StringBuilder("{\"op\":\"" + name + "\",\"samplesMs\":[");
                for (int i = 0; i < iterations; i++) {
                    long t = System.nanoTime();
                    op.run();
                    double ms = (System.nanoTime() - t) / 1e6;
                    sb.append(i == 0 ? "" : ",").append(String.format(java.util.Locale.ROOT, "%.3f", ms));
                }
                System.out.println(sb.append("]}"));
            }
        } finally {
            pool.shutdownNow();
            admin.shutdown();
        }
    }
}

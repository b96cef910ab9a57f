// A producer that stays online for the tests of the Producers views: starts a DefaultMQProducer of
// GROUP, sends one message to TOPIC (so it has a route and heartbeats to its brokers), prints
// "ready", then keeps heartbeating (every second) until SECONDS have passed; the test stops it.
//
// usage: java -cp 'lib/*:.' OnlineProducer NAMESRV GROUP TOPIC SECONDS
import java.nio.charset.StandardCharsets;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.message.Message;

public class OnlineProducer {
    public static void main(String[] args) throws Exception {
        DefaultMQProducer p = new DefaultMQProducer(args[1]);
        p.setNamesrvAddr(args[0]);
        p.setInstanceName("it-online-" + System.nanoTime());
        p.setHeartbeatBrokerInterval(1000);
        p.start();
        try {
            p.send(new Message(args[2], "it", "online-producer".getBytes(StandardCharsets.UTF_8)));
            System.out.println("ready");
            System.out.flush();
            long until = System.currentTimeMillis() + Long.parseLong(args[3]) * 1000;
            while (System.currentTimeMillis() < until) {
                Thread.sleep(200);
            }
        } finally {
            p.shutdown();
        }
    }
}

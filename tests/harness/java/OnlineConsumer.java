// A push consumer for the offset-reset tests on 4.9.x clusters, where the rocketmq-rust client cannot
// read the name server's routes (4.9.x writes fastjson's bare numeric keys unless asked otherwise).
// Subscribes GROUP to TOPIC ("*", from the first offset), commits offsets every second, prints
// "ready" once started and "msg BODY" per message received; shuts down cleanly (offsets persisted,
// unregistered) when its stdin closes, then prints "stopped".
//
// usage: java -cp 'lib/*:.' OnlineConsumer NAMESRV GROUP TOPIC
import java.nio.charset.StandardCharsets;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.MessageExt;

public class OnlineConsumer {
    public static void main(String[] args) throws Exception {
        DefaultMQPushConsumer c = new DefaultMQPushConsumer(args[1]);
        c.setNamesrvAddr(args[0]);
        c.setInstanceName("it-consumer-" + System.nanoTime());
        c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        c.setPersistConsumerOffsetInterval(1000);
        c.setHeartbeatBrokerInterval(1000);
        c.subscribe(args[2], "*");
        c.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
            synchronized (System.out) {
                for (MessageExt m : msgs) {
                    System.out.println("msg " + new String(m.getBody(), StandardCharsets.UTF_8));
                }
                System.out.flush();
            }
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
        c.start();
        synchronized (System.out) {
            System.out.println("ready");
            System.out.flush();
        }
        while (System.in.read() >= 0) {
            // until the test closes stdin
        }
        c.shutdown();
        synchronized (System.out) {
            System.out.println("stopped");
            System.out.flush();
        }
        System.exit(0);
    }
}

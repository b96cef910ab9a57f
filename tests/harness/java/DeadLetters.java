// Dead letters for the DLQ tests, made by the official Java client.
//
//   DeadLetters NAMESRV TOPIC GROUP COUNT fail
//     sends COUNT messages (tag TagDlq, key dlq-RUN-i, user properties origin=dlq-test and n=i) and
//     consumes them with GROUP, failing every one with "straight to the dead-letter queue" (delay
//     level -1), so each lands in %DLQ%GROUP once. Prints "sent ID KEY" per message, then "done".
//   DeadLetters NAMESRV TOPIC GROUP EXPECT drain QUIET_SECONDS
//     consumes TOPIC with GROUP, succeeding, and prints "got ID KEYS TAGS ORIGIN N MARKER" per
//     delivery (MARKER: the replay marker property, or -); after EXPECT deliveries it waits
//     QUIET_SECONDS more (a duplicate would show) and prints "done".
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;

public class DeadLetters {
    static void say(String line) {
        synchronized (System.out) {
            System.out.println(line);
            System.out.flush();
        }
    }

    static String or(String s) {
        return s == null || s.isEmpty() ? "-" : s.replace(' ', ',');
    }

    static DefaultMQPushConsumer consumer(String ns, String topic, String group, String run) throws Exception {
        DefaultMQPushConsumer c = new DefaultMQPushConsumer(group);
        c.setNamesrvAddr(ns);
        c.setInstanceName("dlq-" + run);
        c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        c.setHeartbeatBrokerInterval(1000);
        c.setPersistConsumerOffsetInterval(1000);
        c.subscribe(topic, "*");
        return c;
    }

    public static void main(String[] args) throws Exception {
        String ns = args[0], topic = args[1], group = args[2];
        int count = Integer.parseInt(args[3]);
        String mode = args[4];
        String run = Long.toString(System.nanoTime(), 36);
        if (mode.equals("fail")) {
            Set<String> failed = ConcurrentHashMap.newKeySet();
            CountDownLatch all = new CountDownLatch(count);
            DefaultMQPushConsumer c = consumer(ns, topic, group, run);
            c.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
                for (MessageExt m : msgs) {
                    if (failed.add(m.getMsgId())) all.countDown();
                }
                ctx.setDelayLevelWhenNextConsume(-1);
                return ConsumeConcurrentlyStatus.RECONSUME_LATER;
            });
            c.start();
            DefaultMQProducer p = new DefaultMQProducer("dlq-pg-" + run);
            p.setNamesrvAddr(ns);
            p.setInstanceName("dlq-producer-" + run);
            p.start();
            for (int i = 0; i < count; i++) {
                String key = "dlq-" + run + "-" + i;
                Message m = new Message(topic, "TagDlq", key, ("dead " + i).getBytes(StandardCharsets.UTF_8));
                m.putUserProperty("origin", "dlq-test");
                m.putUserProperty("n", Integer.toString(i));
                SendResult r = p.send(m);
                say("sent " + r.getMsgId() + " " + key);
            }
            boolean ok = all.await(120, TimeUnit.SECONDS);
            // Give the last send-backs time to reach the broker before shutting down.
            Thread.sleep(2000);
            p.shutdown();
            c.shutdown();
            say(ok ? "done" : "timeout");
            System.exit(ok ? 0 : 1);
        } else {
            int quiet = Integer.parseInt(args[5]);
            CountDownLatch all = new CountDownLatch(count);
            DefaultMQPushConsumer c = consumer(ns, topic, group, run);
            c.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
                for (MessageExt m : msgs) {
                    say("got " + m.getMsgId() + " " + or(m.getKeys()) + " " + or(m.getTags()) + " "
                        + or(m.getUserProperty("origin")) + " " + or(m.getUserProperty("n")) + " "
                        + or(m.getUserProperty("RMQ_CONSOLE_REPLAY_SOURCE")));
                    all.countDown();
                }
                return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
            });
            c.start();
            boolean ok = all.await(180, TimeUnit.SECONDS);
            Thread.sleep(quiet * 1000L);
            c.shutdown();
            say(ok ? "done" : "timeout");
            System.exit(ok ? 0 : 1);
        }
    }
}
